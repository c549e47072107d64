using System.Data.Common;
using System.Threading.Channels;
using GrainChat.Silo.Persistence.Sql;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// Keeps SQLite's full-text index (<c>messages_fts</c>, whose row id is each message's <c>search_id</c>) in step
/// with the message log without putting it on the send path. The log's writer hands each committed message's
/// search id and text here; this indexes them a moment later, in batches. FTS5 writes a new index segment per
/// statement savepoint and per commit, so indexing a message inside the writer's transaction (a trigger) cost
/// several times the insert itself; in batches it costs about 5 µs of CPU a message here (bench/RESULTS.md).
/// The index is a database file of its own (<see cref="SqliteDialect.SearchIndexFile"/>): indexing takes that
/// file's write lock, never the chat database's, so the log's writer never waits for it (sharing one file, it did,
/// and the sends' p99 latency showed it: bench/RESULTS.md).
/// <para>
/// A batch is indexed in small transactions spread over <see cref="PacingSpan"/> (<see cref="PacedTransactionSize"/>
/// messages each), so that a second's worth of FTS5 work does not run at once: at once, it held one of two cores
/// long enough to show in the sends' p99 latency (bench/RESULTS.md). Pacing stops when a search is waiting, when the
/// backlog grows past a batch, and at shutdown.
/// </para>
/// <para>
/// A search first waits for everything committed before it to be indexed (<see cref="CatchUpAsync"/>), so
/// results never lag a send that was acknowledged. Edits and deletions are recorded in the chat database, in their
/// own transaction, by a trigger (<c>search_changes</c>), and queued here after their commit: the indexer re-indexes
/// those messages from the table, then takes them off the list.
/// </para>
/// <para>
/// The two files commit separately, so the index is rebuilt from the chat database, never the other way round: the
/// first use after a start indexes the changes still listed and every message that has no row in the index (a scan
/// of the log), after giving a search id to any message stored without one. A missing index file is rebuilt whole.
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

    private readonly SqliteDialect? _dialect;
    private readonly SqliteWriteSession<IndexStatements>? _session;
    private readonly ILogger<SqliteSearchIndexer> _logger;
    private readonly Channel<IndexEntry> _queue = Channel.CreateUnbounded<IndexEntry>(new UnboundedChannelOptions { SingleReader = true });
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
        _dialect = dialect as SqliteDialect;
        _session = _dialect is { } sqlite ? new SqliteWriteSession<IndexStatements>(sqlite, session => new IndexStatements(session), searchIndex: true) : null;
        _logger = logger;
    }

    private bool IsActive => _session is not null;

    /// <summary>
    /// Queues a committed message for indexing (in commit order, which is search id order). Called with the chat
    /// database's write gate held, so that the queue is in the order of the commits.
    /// </summary>
    public void Enqueue(long searchId, string text) => Enqueue(new IndexEntry(searchId, text));

    /// <summary>
    /// Queues the re-indexing of a message whose text an edit or a deletion changed, from the table. Called after
    /// the change's commit, with the chat database's write gate still held: queued after the message itself.
    /// </summary>
    public void TextChanged(string roomId, long id) => Enqueue(IndexEntry.Changed(roomId, id));

    private void Enqueue(IndexEntry entry)
    {
        if (!IsActive)
        {
            return;
        }

        EnsureStarted();
        Interlocked.Increment(ref _enqueued);
        _queue.Writer.TryWrite(entry);
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
        var unindexed = new List<IndexEntry>();
        await RetryingAsync(AssignMissingSearchIdsAsync).ConfigureAwait(false);
        await IndexTransactionAsync([IndexEntry.ListedChanges]).ConfigureAwait(false);
        await RetryingAsync(async () => unindexed = await _dialect!.ReadWithSearchIndexAsync(FindUnindexedAsync, _stopping.Token).ConfigureAwait(false)).ConfigureAwait(false);
        await IndexInTransactionsAsync(unindexed).ConfigureAwait(false);
        lock (_lock)
        {
            _recovered = true;
        }

        CompleteWaiters(null);
        var batch = new List<IndexEntry>(MaxBatchSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Let a batch gather, unless a search is waiting, the log is shutting down, or the last batch was full:
            // then indexing is behind, and waiting would let the queue grow for as long as the sends outpace a batch a window.
            if (batch.Count < MaxBatchSize)
            {
                await _hurry.WaitAsync(BatchWindow).ConfigureAwait(false);
            }

            batch.Clear();
            while (batch.Count < MaxBatchSize && _queue.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            await IndexPacedAsync(batch).ConfigureAwait(false);
            lock (_lock)
            {
                _indexed += batch.Count;
            }

            CompleteWaiters(null);
        }
    }

    private async Task IndexInTransactionsAsync(IReadOnlyList<IndexEntry> entries)
    {
        foreach (var chunk in entries.Chunk(TransactionSize))
        {
            await IndexTransactionAsync(chunk).ConfigureAwait(false);
        }
    }

    private async Task IndexPacedAsync(List<IndexEntry> batch)
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

    // Changes indexed are then taken off the chat database's list of changes, under its write gate (rare: edits and deletions).
    private Task IndexTransactionAsync(IndexEntry[] chunk) =>
        RetryingAsync(async () =>
        {
            var reindexed = await _session!.InTransactionAsync(statements => Task.FromResult(statements.Index(chunk)), cancellationToken: _stopping.Token).ConfigureAwait(false);
            if (reindexed.Count > 0)
            {
                await _dialect!.WriteAsync((connection, ct) => ForgetChangesAsync(connection, reindexed, ct), _stopping.Token).ConfigureAwait(false);
            }
        });

    private static async Task<int> ForgetChangesAsync(DbConnection connection, List<(long SearchId, long Through)> reindexed, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (searchId, through) in reindexed)
        {
            await using var forget = connection.CreateCommand();
            forget.Transaction = transaction;
            forget.CommandText = "DELETE FROM search_changes WHERE search_id = @id AND change_id <= @through";
            forget.AddParameter("id", searchId);
            forget.AddParameter("through", through);
            await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return reindexed.Count;
    }

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

    // Rows written without a search id (by hand, or by a build older than the id) get one before the scan: a write to
    // the chat database (its gate), above every id the index holds (so on a connection with the index attached).
    private async Task AssignMissingSearchIdsAsync()
    {
        await _dialect!.WriteGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            await using var connection = await _dialect.OpenWithSearchIndexAsync(_stopping.Token).ConfigureAwait(false);
            await using var assign = connection.CreateCommand();
            assign.CommandText = ChatSchema.AssignSearchIdsAbove("search.messages_fts");
            await assign.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _dialect.WriteGate.Release();
        }
    }

    /// <summary>
    /// Whether a search id has a row in the index, asked of FTS5's own table of row sizes (one row per indexed
    /// text, keyed by its row id), as the recovery scan asks too: a plain B-tree lookup. Asking the virtual table
    /// by rowid made that scan of 500,000 messages take 920 ms instead of 338 (bench/RESULTS.md).
    /// </summary>
    private const string IndexedSql = "SELECT 1 FROM search.messages_fts_docsize WHERE id = @id";

    private static async Task<List<IndexEntry>> FindUnindexedAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var entries = new List<IndexEntry>();
        await using var scan = connection.CreateCommand();
        scan.CommandText = """
            SELECT search_id, text FROM messages m
            WHERE deleted = 0 AND NOT EXISTS (SELECT 1 FROM search.messages_fts_docsize d WHERE d.id = m.search_id)
            ORDER BY search_id
            """;
        await using var reader = await scan.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new IndexEntry(reader.GetInt64(0), reader.GetString(1)));
        }

        return entries;
    }

    /// <summary>The indexer's statements, compiled once on the connection its session keeps.</summary>
    private sealed class IndexStatements : IDisposable
    {
        private readonly SqliteWriteSession<IndexStatements> _session;
        private readonly SqliteStatement _indexed;
        private readonly int _indexedIdAt;
        private readonly SqliteStatement _index;
        private readonly (int Id, int Text) _indexAt;
        private readonly SqliteStatement _remove;
        private readonly int _removeIdAt;

        public IndexStatements(SqliteWriteSession<IndexStatements> session)
        {
            _session = session;
            _indexed = session.Compile(IndexedSql);
            _indexedIdAt = _indexed.ParameterIndex("id");

            // One-row VALUES inserts: an INSERT … SELECT into FTS5 would open a statement savepoint, which flushes a segment.
            _index = session.Compile("INSERT INTO search.messages_fts (rowid, text) VALUES (@id, @text)");
            _indexAt = (_index.ParameterIndex("id"), _index.ParameterIndex("text"));
            _remove = session.Compile("DELETE FROM search.messages_fts WHERE rowid = @id");
            _removeIdAt = _remove.ParameterIndex("id");
        }

        /// <summary>
        /// Indexes the entries in their order, which is the order of the commits: a message under its search id
        /// (ids increase, so FTS5 appends to one pending segment), and a changed message from the table, as it is
        /// now. Returns the messages re-indexed from the table that had changes listed, each with the last of them.
        /// </summary>
        public List<(long SearchId, long Through)> Index(IReadOnlyList<IndexEntry> entries)
        {
            List<(long SearchId, long Through)> reindexed = [];
            foreach (var entry in entries)
            {
                if (entry.Text is { } text)
                {
                    Replace(entry.SearchId, text);
                }
                else if (entry.ChangedRoom is { } roomId)
                {
                    if (Scalar("SELECT search_id FROM messages WHERE room_id = @room AND seq = @seq", ("room", roomId), ("seq", entry.ChangedId)) is long searchId)
                    {
                        Reindex(searchId, reindexed);
                    }
                }
                else
                {
                    foreach (var searchId in ListedChanges())
                    {
                        Reindex(searchId, reindexed);
                    }
                }
            }

            return reindexed;
        }

        public void Dispose()
        {
            _indexed.Dispose();
            _index.Dispose();
            _remove.Dispose();
        }

        // An id already in the index was indexed by the recovery scan, or was left there by commits the chat database
        // lost in an operating-system crash (the two files are synced separately) and has been handed out again.
        private void Replace(long searchId, string? text)
        {
            _indexed.Bind(_indexedIdAt, searchId);
            if (_indexed.ReadInt64() is not null)
            {
                _remove.Bind(_removeIdAt, searchId);
                _remove.Execute();
            }

            if (text is not null)
            {
                _index.Bind(_indexAt.Id, searchId);
                _index.Bind(_indexAt.Text, text);
                _index.Execute();
            }
        }

        // Changes are rare (edits and deletions), so plain ADO.NET on the session's connection: the message's text as
        // it is now (none if deleted), and the last change listed for it, which is then taken off the list.
        private void Reindex(long searchId, List<(long SearchId, long Through)> reindexed)
        {
            Replace(searchId, Scalar("SELECT text FROM messages WHERE search_id = @id AND deleted = 0", ("id", searchId)) as string);
            if (Scalar("SELECT MAX(change_id) FROM search_changes WHERE search_id = @id", ("id", searchId)) is long through)
            {
                reindexed.Add((searchId, through));
            }
        }

        private List<long> ListedChanges()
        {
            using var read = _session.Connection.CreateCommand();
            read.CommandText = "SELECT DISTINCT search_id FROM search_changes ORDER BY search_id";
            using var reader = read.ExecuteReader();
            var searchIds = new List<long>();
            while (reader.Read())
            {
                searchIds.Add(reader.GetInt64(0));
            }

            return searchIds;
        }

        private object? Scalar(string sql, params (string Name, object Value)[] parameters)
        {
            using var command = _session.Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.AddParameter(name, value);
            }

            return command.ExecuteScalar();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Indexing messages for search failed; retrying (searches fail until it succeeds, sends are not affected)")]
    private static partial void LogIndexingFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The search indexer stopped; searches fail until the service restarts")]
    private static partial void LogIndexerStopped(ILogger logger, Exception exception);

    /// <summary>A committed message to index; or, with no text, a changed one, or (<see cref="ListedChanges"/>) every one listed.</summary>
    private readonly record struct IndexEntry(long SearchId, string? Text, string? ChangedRoom = null, long ChangedId = 0)
    {
        public static readonly IndexEntry ListedChanges = default;

        public static IndexEntry Changed(string roomId, long id) => new(0, null, roomId, id);
    }
}
