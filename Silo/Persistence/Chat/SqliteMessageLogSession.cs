using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// The SQLite message log writer's statements, compiled once on the connection it keeps between batches
/// (<see cref="SqliteWriteSession{T}"/>): at low load a batch holds one or two messages, and compiling the INSERT
/// for each batch was a large part of the writer's time. Each inserted message gets the next search id, its row in
/// the full-text index, and once the transaction has committed it is handed to the search indexer with its text.
/// </summary>
internal sealed class SqliteMessageLogSession : IDisposable
{
    private readonly SqliteWriteSession<Statements> _session;
    private readonly SqliteSearchIndexer _searchIndexer;
    private readonly Action<TimeSpan> _hadWriteLock;
    private readonly Action<Statements> _handToIndexer;

    public SqliteMessageLogSession(SqliteDialect dialect, SqliteSearchIndexer searchIndexer, MessageLogMetrics metrics)
    {
        _session = new SqliteWriteSession<Statements>(dialect, session => new Statements(session));
        _searchIndexer = searchIndexer;
        _hadWriteLock = metrics.HadWriteLock;
        _handToIndexer = HandToIndexer;
    }

    /// <summary>Runs <paramref name="write"/> in one transaction holding the write gate, and commits it; takes it all back if anything fails.</summary>
    public Task<T> InTransactionAsync<T>(Func<IMessageLogStatements, Task<T>> write) =>
        _session.InTransactionAsync(
            statements =>
            {
                statements.Begin();
                return write(statements);
            },
            _hadWriteLock,
            committed: _handToIndexer);

    // Committed: from here on a search waits for these to be indexed. Queued before the write gate is let go, so that
    // an edit of one of them, which needs the gate, is queued after it.
    private void HandToIndexer(Statements written)
    {
        foreach (var (searchId, text) in written.Inserted)
        {
            _searchIndexer.Enqueue(searchId, text);
        }
    }

    public void Dispose() => _session.Dispose();

    private sealed class Statements : IMessageLogStatements, IDisposable
    {
        private readonly SqliteWriteSession<Statements> _session;
        private readonly SqliteStatement _insert;
        private readonly int[] _insertAt;
        private readonly int _insertSearchIdAt;
        private readonly SqliteStatement _lastId;
        private readonly int _lastIdRoomAt;
        private readonly SqliteStatement _lastSearchId;
        private long _searchId;

        public Statements(SqliteWriteSession<Statements> session)
        {
            _session = session;
            _insert = session.Compile(MessageInsert.SqliteSql);
            _insertAt = [.. MessageInsert.ParameterNames.Select(_insert.ParameterIndex)];
            _insertSearchIdAt = _insert.ParameterIndex("searchId");
            _lastId = session.Compile(MessageInsert.LastIdSql);
            _lastIdRoomAt = _lastId.ParameterIndex("room");
            _lastSearchId = session.Compile(MessageInsert.LastSearchIdSql);
        }

        /// <summary>The search ids and texts of the messages this transaction inserted.</summary>
        public List<(long SearchId, string Text)> Inserted { get; } = [];

        /// <summary>Starts a transaction's count; read from the database each time, so a rolled-back one hands its ids out again.</summary>
        public void Begin()
        {
            Inserted.Clear();
            _searchId = _lastSearchId.ReadInt64() ?? 0;
        }

        public ValueTask<long> LastIdAsync(string roomId)
        {
            _lastId.Bind(_lastIdRoomAt, roomId);
            return ValueTask.FromResult(_lastId.ReadInt64() ?? 0);
        }

        public ValueTask<bool> TryInsertAsync(ChatMessage message)
        {
            var at = _insertAt;
            _insert.Bind(at[0], message.RoomId);
            _insert.Bind(at[1], message.Id);
            _insert.Bind(at[2], message.Sender);
            _insert.Bind(at[3], message.Text);
            _insert.Bind(at[4], message.ClientMessageId);
            _insert.Bind(at[5], UnixTime.ToMilliseconds(message.Timestamp));
            _insert.Bind(at[6], message.ReplyTo);
            _insert.Bind(at[7], MessageRows.Mentions(message.Mentions) as string);
            _insert.Bind(_insertSearchIdAt, _searchId + 1);
            _insert.Execute();
            if (_session.Changes != 1)
            {
                return ValueTask.FromResult(false);
            }

            Inserted.Add((++_searchId, message.Text));
            return ValueTask.FromResult(true);
        }

        public async Task<ChatMessage?> FindAsync(string roomId, string sender, string clientMessageId)
        {
            // Rare (a client's retry), so plain ADO.NET on the same connection, inside the transaction in progress.
            await using var command = _session.Connection.CreateCommand();
            return await MessageInsert.FindAsync(command, roomId, sender, clientMessageId).ConfigureAwait(false);
        }

        public void Dispose()
        {
            _insert.Dispose();
            _lastId.Dispose();
            _lastSearchId.Dispose();
        }
    }
}
