using System.Data.Common;
using System.Threading.Channels;
using GrainChat.Silo.Persistence.Sql;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// Keeps SQLite's full-text index (<c>messages_fts</c>, mapped to messages by <c>message_search</c>) in step with
/// the message log without putting it on the send path. The log's writer hands each committed message here; this
/// indexes them a moment later, in batches. FTS5 writes a new index segment per statement savepoint and per commit,
/// so indexing a message inside the writer's transaction (a trigger) cost several times the insert itself; in
/// batches, keeping the index current costs about 20 µs of CPU a message here, all told (bench/RESULTS.md).
/// <para>
/// A batch is indexed in small transactions spread over <see cref="PacingSpan"/> (<see cref="PacedTransactionSize"/>
/// messages each), so that a second's worth of FTS5 work does not run at once: at once, it held one of two cores
/// and the write lock long enough to show in the sends' p99 latency (bench/RESULTS.md). Pacing stops when a search
/// is waiting, when the backlog grows past a batch, and at shutdown.
/// </para>
/// <para>
/// A search first waits for everything committed before it to be indexed (<see cref="CatchUpAsync"/>), so
/// results never lag a send that was acknowledged. After a crash, the first use indexes every message that has
/// no search row yet (a scan of the log). Edits and deletions are indexed by a trigger inside their own
/// transaction; a message edited before its batch ran is skipped by the batch.
/// </para>
/// On PostgreSQL the GIN index is maintained by the database and this does nothing.
/// </summary>
public sealed partial class SqliteSearchIndexer : IAsyncDisposable
{
    public const int MaxBatchSize = 2048;

    /// <summary>Messages indexed per transaction when a search is waiting or indexing is behind: fewer commits.</summary>
    public const int TransactionSize = 256;

    /// <summary>Messages indexed per transaction while pacing: the log's writer waits for the write lock at most this long.</summary>
    public const int PacedTransactionSize = 32;

    /// <summary>
    /// How long committed messages gather before they are indexed, unless a search is waiting or the last batch was
    /// full (indexing is behind). Each indexing transaction takes the write gate from the log's writer and flushes an
    /// FTS5 segment, so fewer, larger batches cost less; but a batch a window at most would let the queue, and the
    /// wait of the next search, grow without bound while sends outpace it (bench/RESULTS.md, thirteenth session).
    /// </summary>
    public static readonly TimeSpan BatchWindow = TimeSpan.FromSeconds(1);

    /// <summary>How long a batch's paced transactions are spread over: half the window, so pacing never falls behind.</summary>
    public static readonly TimeSpan PacingSpan = BatchWindow / 2;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly SqlDialect _dialect;
    private readonly SqliteWriteSession<IndexStatements>? _session;
    private readonly ILogger<SqliteSearchIndexer> _logger;
    private readonly Channel<MessageKey> _queue = Channel.CreateUnbounded<MessageKey>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _hurry = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private Task? _loop;
    private long _enqueued;
    private long _indexed;
    private bool _recovered;
    private volatile bool _disposing;
    private Exception? _stopped;

    public SqliteSearchIndexer(SqlDialect dialect, ILogger<SqliteSearchIndexer> logger)
    {
        _dialect = dialect;
        _session = dialect is SqliteDialect sqlite ? new SqliteWriteSession<IndexStatements>(sqlite, session => new IndexStatements(session)) : null;
        _logger = logger;
    }

    private bool IsActive => _session is not null;

    /// <summary>Queues a committed message for indexing (in commit order).</summary>
    public void Enqueue(string roomId, long id)
    {
        if (!IsActive)
        {
            return;
        }

        EnsureStarted();
        Interlocked.Increment(ref _enqueued);
        _queue.Writer.TryWrite(new MessageKey(roomId, id));
    }

    /// <summary>Completes when every message queued before the call is indexed; fails if indexing is failing (storage down).</summary>
    public Task CatchUpAsync()
    {
        if (!IsActive)
        {
            return Task.CompletedTask;
        }

        EnsureStarted();
        var target = Interlocked.Read(ref _enqueued);
        lock (_lock)
        {
            if (_recovered && _indexed >= target)
            {
                return Task.CompletedTask;
            }

            if (_stopped is { } failure)
            {
                return Task.FromException(failure);
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
            _hurry.Release();
            return done.Task;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        _queue.Writer.TryComplete();
        _hurry.Release();
        if (_loop is not null)
        {
            // Index what is queued; anything left is found by the scan at the next start.
            await _loop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Not disposed: a loop still retrying after the wait above reads its token, and may still use the session.
        _stopping.Cancel();
        if (_loop is null || _loop.IsCompleted)
        {
            _session?.Dispose();
        }
    }

    // Started on first use, which is after the schema migrations ran.
    private void EnsureStarted()
    {
        if (_loop is null)
        {
            lock (_lock)
            {
                _loop ??= Task.Run(RunAsync);
            }
        }
    }

    // Storage failures are retried inside the loop; anything else is a bug, which fails searches rather than hanging them.
    private async Task RunAsync()
    {
        try
        {
            await IndexLoopAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogIndexerStopped(_logger, exception);
            lock (_lock)
            {
                _stopped = exception;
            }

            CompleteWaiters(exception);
        }
    }

    private async Task IndexLoopAsync()
    {
        var unindexed = new List<MessageKey>();
        await RetryingAsync(async () => unindexed = await _dialect.ReadAsync(FindUnindexedAsync, _stopping.Token).ConfigureAwait(false)).ConfigureAwait(false);
        await IndexInTransactionsAsync(unindexed).ConfigureAwait(false);
        lock (_lock)
        {
            _recovered = true;
        }

        CompleteWaiters(null);
        var batch = new List<MessageKey>(MaxBatchSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Let a batch gather, unless a search is waiting, the log is shutting down, or the last batch was full:
            // then indexing is behind, and waiting would let the queue grow for as long as the sends outpace a batch a window.
            if (batch.Count < MaxBatchSize)
            {
                await _hurry.WaitAsync(BatchWindow).ConfigureAwait(false);
            }

            batch.Clear();
            while (batch.Count < MaxBatchSize && _queue.Reader.TryRead(out var key))
            {
                batch.Add(key);
            }

            await IndexPacedAsync(batch).ConfigureAwait(false);
            lock (_lock)
            {
                _indexed += batch.Count;
            }

            CompleteWaiters(null);
        }
    }

    private async Task IndexInTransactionsAsync(IReadOnlyList<MessageKey> keys)
    {
        foreach (var chunk in keys.Chunk(TransactionSize))
        {
            await IndexTransactionAsync(chunk).ConfigureAwait(false);
        }
    }

    private async Task IndexPacedAsync(List<MessageKey> batch)
    {
        var chunks = batch.Chunk(PacedTransactionSize).ToArray();
        var pause = chunks.Length > 1 ? PacingSpan / (chunks.Length - 1) : TimeSpan.Zero;
        var batchEnd = _indexed + batch.Count;
        for (var i = 0; i < chunks.Length; i++)
        {
            if (i > 0 && !await PauseAsync(pause, batchEnd).ConfigureAwait(false))
            {
                await IndexInTransactionsAsync(batch[(i * PacedTransactionSize)..]).ConfigureAwait(false);
                return;
            }

            await IndexTransactionAsync(chunks[i]).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits <paramref name="pause"/> between paced transactions; false when the rest should be indexed at once
    /// (<paramref name="batchEnd"/> is the count of messages indexed once this batch is, to measure the backlog).
    /// </summary>
    private async Task<bool> PauseAsync(TimeSpan pause, long batchEnd)
    {
        if (_disposing || Interlocked.Read(ref _enqueued) - batchEnd >= MaxBatchSize || HasWaiters())
        {
            return false;
        }

        if (await _hurry.WaitAsync(pause).ConfigureAwait(false))
        {
            // A search arrived; the release is handed back so the next batch does not wait its window either.
            _hurry.Release();
            return false;
        }

        return true;
    }

    private bool HasWaiters()
    {
        lock (_lock)
        {
            return _waiters.Count > 0;
        }
    }

    private Task IndexTransactionAsync(MessageKey[] chunk) =>
        RetryingAsync(() => _session!.InTransactionAsync(statements => Task.FromResult(statements.Index(chunk)), cancellationToken: _stopping.Token));

    // A failed step is retried until it succeeds (nothing is lost); searches meanwhile fail with the cause.
    private async Task RetryingAsync(Func<Task> index)
    {
        while (true)
        {
            try
            {
                await index().ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (!_stopping.IsCancellationRequested)
            {
                LogIndexingFailed(_logger, exception);
                CompleteWaiters(exception);
                await Task.Delay(RetryDelay).ConfigureAwait(false);
            }
        }
    }

    private void CompleteWaiters(Exception? failure)
    {
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var (target, done) = _waiters[i];
                if (failure is not null)
                {
                    done.TrySetException(failure);
                }
                else if (_recovered && _indexed >= target)
                {
                    done.TrySetResult();
                }
                else
                {
                    continue;
                }

                _waiters.RemoveAt(i);
            }
        }
    }

    private static async Task<List<MessageKey>> FindUnindexedAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var keys = new List<MessageKey>();
        await using var scan = connection.CreateCommand();
        scan.CommandText = """
            SELECT room_id, seq FROM messages m
            WHERE deleted = 0 AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.room_id = m.room_id AND s.seq = m.seq)
            """;
        await using var reader = await scan.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new MessageKey(reader.GetString(0), reader.GetInt64(1)));
        }

        return keys;
    }

    /// <summary>The indexer's statements, compiled once on the connection its session keeps.</summary>
    private sealed class IndexStatements : IDisposable
    {
        private readonly SqliteStatement _read;
        private readonly (int Room, int Id) _readAt;
        private readonly SqliteStatement _index;
        private readonly int _indexTextAt;
        private readonly SqliteStatement _map;
        private readonly (int Room, int Id) _mapAt;

        public IndexStatements(SqliteWriteSession<IndexStatements> session)
        {
            _read = session.Compile("""
                SELECT text FROM messages m
                WHERE room_id = @room AND seq = @id AND deleted = 0
                  AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.room_id = m.room_id AND s.seq = m.seq)
                """);
            _readAt = (_read.ParameterIndex("room"), _read.ParameterIndex("id"));

            // One-row VALUES inserts: an INSERT … SELECT into FTS5 would open a statement savepoint, which flushes a segment.
            _index = session.Compile("INSERT INTO messages_fts (text) VALUES (@text)");
            _indexTextAt = _index.ParameterIndex("text");
            _map = session.Compile("INSERT INTO message_search (room_id, seq, fts_id) VALUES (@room, @id, last_insert_rowid())");
            _mapAt = (_map.ParameterIndex("room"), _map.ParameterIndex("id"));
        }

        /// <summary>Indexes the messages not deleted nor indexed yet (an edit indexes its message itself); returns how many.</summary>
        public int Index(IReadOnlyList<MessageKey> keys)
        {
            var indexed = 0;
            foreach (var key in keys)
            {
                _read.Bind(_readAt.Room, key.RoomId);
                _read.Bind(_readAt.Id, key.Id);
                if (_read.ReadText() is not { } text)
                {
                    continue;
                }

                _index.Bind(_indexTextAt, text);
                _index.Execute();
                _map.Bind(_mapAt.Room, key.RoomId);
                _map.Bind(_mapAt.Id, key.Id);
                _map.Execute();
                indexed++;
            }

            return indexed;
        }

        public void Dispose()
        {
            _read.Dispose();
            _index.Dispose();
            _map.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Indexing messages for search failed; retrying (searches fail until it succeeds, sends are not affected)")]
    private static partial void LogIndexingFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The search indexer stopped; searches fail until the service restarts")]
    private static partial void LogIndexerStopped(ILogger logger, Exception exception);

    private readonly record struct MessageKey(string RoomId, long Id);
}
