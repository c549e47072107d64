using System.Data.Common;
using System.Diagnostics;
using GrainChat.Chat;
using GrainChat.Storage;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// PostgreSQL's writer keeps two batches going on two connections: while one batch's <c>COMMIT</c> waits for
/// PostgreSQL to flush its WAL, the next batch is inserted, its ids following the committing batch's. A batch
/// commits only after the one before it has, so ids still follow commit order without gaps. If the one before
/// fails, the next is rolled back before anything else happens (its uncommitted rows hold the ids the retries
/// will take) and written again from the database's ids.
/// </summary>
public sealed partial class SqlMessageLog
{
    private async Task WritePipelinedAsync()
    {
        InsertedBatch? committing = null;
        while (true)
        {
            // Nothing to overlap with: answer the committing batch now rather than when the next append comes.
            if (committing is not null && !_pending.Reader.TryPeek(out _))
            {
                await FinishAsync(committing, next: null).ConfigureAwait(false);
                committing = null;
            }

            if (committing is null && !await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                return;
            }

            var batch = new List<PendingAppend>(MaxBatchSize);
            var started = TakeBatch(batch);
            var inserted = await TryInsertAsync(batch, started, committing).ConfigureAwait(false);
            if (committing is not null && !await FinishAsync(committing, inserted).ConfigureAwait(false))
            {
                inserted = null;
            }

            committing = inserted?.StartCommit();
            if (committing is null)
            {
                await CommitBatchAsync(batch, started).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Inserts the batch as one statement over arrays (one round trip and one plan instead of one insert per message)
    /// in a transaction left open for <see cref="InsertedBatch.StartCommit"/>. Null, with the transaction rolled back,
    /// when any row was not inserted — a repeated client message id, or an id another node took — or the statement
    /// failed: the batch then goes one by one, which answers each of those.
    /// </summary>
    private async Task<InsertedBatch?> TryInsertAsync(List<PendingAppend> batch, long started, InsertedBatch? committing)
    {
        DbConnection? connection = null;
        DbTransaction? transaction = null;
        try
        {
            var asked = Stopwatch.GetTimestamp();
            connection = await _dialect.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            _metrics.HadWriteLock(Stopwatch.GetElapsedTime(asked));
            transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            var timestamp = UnixTime.Now(_time);
            var lastIds = new Dictionary<string, long>(StringComparer.Ordinal);
            var messages = new ChatMessage[batch.Count];
            await using var statements = new AdoMessageLogStatements(connection, transaction);
            for (var i = 0; i < batch.Count; i++)
            {
                var roomId = batch[i].RoomId;
                if (!lastIds.TryGetValue(roomId, out var last) && !TryGetLastId(committing, roomId, out last))
                {
                    last = await statements.LastIdAsync(roomId).ConfigureAwait(false);
                }

                lastIds[roomId] = last + 1;
                messages[i] = NewMessage(batch[i], last + 1, timestamp);
            }

            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            MessageInsert.ForMany(insert, messages);
            if (await insert.ExecuteNonQueryAsync().ConfigureAwait(false) == messages.Length)
            {
                return new InsertedBatch(batch, started, connection, transaction, messages, lastIds);
            }
        }
        catch (Exception exception)
        {
            LogBatchInsertFailed(_logger, exception, batch.Count);
        }

        if (transaction is not null)
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }

        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>The last id a room has, counting the batch being committed, as far as the writer knows without asking.</summary>
    private bool TryGetLastId(InsertedBatch? committing, string roomId, out long last)
    {
        if (committing is not null && committing.LastIds.TryGetValue(roomId, out last))
        {
            return true;
        }

        return _lastIds.TryGetValue(roomId, out last);
    }

    /// <summary>
    /// Waits for the committing batch and answers its appends; false when it failed. Its failure voids <paramref name="next"/>,
    /// whose ids followed it: next is rolled back first, since its rows would block the retries that take those ids.
    /// </summary>
    private async Task<bool> FinishAsync(InsertedBatch committing, InsertedBatch? next)
    {
        var failure = await committing.CompleteAsync().ConfigureAwait(false);
        if (failure is null)
        {
            foreach (var (roomId, last) in committing.LastIds)
            {
                _lastIds[roomId] = last;
            }

            _metrics.BatchWritten(committing.Appends.Count, Stopwatch.GetElapsedTime(committing.Started));
            Acknowledge(committing.Appends, [.. committing.Messages.Select(message => new PostResult(message, Created: true))]);
            return true;
        }

        if (next is not null)
        {
            await next.DisposeAsync().ConfigureAwait(false);
        }

        _lastIds.Clear();
        await FailAsync(committing.Appends, failure).ConfigureAwait(false);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inserting a batch of {Count} messages in one statement failed; the batch is written again one message at a time")]
    private static partial void LogBatchInsertFailed(ILogger logger, Exception exception, int count);

    /// <summary>A batch inserted in a transaction not yet committed, and the last id it gives each of its rooms.</summary>
    private sealed class InsertedBatch(
        List<PendingAppend> appends, long started, DbConnection connection, DbTransaction transaction, ChatMessage[] messages, Dictionary<string, long> lastIds)
        : IAsyncDisposable
    {
        private Task? _commit;

        public List<PendingAppend> Appends { get; } = appends;

        public long Started { get; } = started;

        public ChatMessage[] Messages { get; } = messages;

        public Dictionary<string, long> LastIds { get; } = lastIds;

        public InsertedBatch StartCommit()
        {
            _commit = transaction.CommitAsync();
            return this;
        }

        /// <summary>Waits for the commit and lets the connection go; the failure, if the batch was not stored.</summary>
        public async Task<Exception?> CompleteAsync()
        {
            try
            {
                await _commit!.ConfigureAwait(false);
                return null;
            }
            catch (Exception exception)
            {
                return exception;
            }
            finally
            {
                await DisposeAsync().ConfigureAwait(false);
            }
        }

        /// <summary>Rolls back whatever is not committed and returns the connection to the pool.</summary>
        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
