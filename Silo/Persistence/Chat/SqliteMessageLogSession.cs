using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// The SQLite message log writer's statements, compiled once on the connection it keeps between batches
/// (<see cref="SqliteWriteSession{T}"/>): at low load a batch holds one or two messages, and compiling the INSERT
/// for each batch was a large part of the writer's time.
/// </summary>
internal sealed class SqliteMessageLogSession : IDisposable
{
    private readonly SqliteWriteSession<Statements> _session;
    private readonly Action<TimeSpan> _hadWriteLock;

    public SqliteMessageLogSession(SqliteDialect dialect, MessageLogMetrics metrics)
    {
        _session = new SqliteWriteSession<Statements>(dialect, session => new Statements(session));
        _hadWriteLock = metrics.HadWriteLock;
    }

    /// <summary>Runs <paramref name="write"/> in one transaction holding the write gate, and commits it; takes it all back if anything fails.</summary>
    public Task<T> InTransactionAsync<T>(Func<IMessageLogStatements, Task<T>> write) => _session.InTransactionAsync(write, _hadWriteLock);

    public void Dispose() => _session.Dispose();

    private sealed class Statements : IMessageLogStatements, IDisposable
    {
        private readonly SqliteWriteSession<Statements> _session;
        private readonly SqliteStatement _insert;
        private readonly int[] _insertAt;
        private readonly SqliteStatement _lastId;
        private readonly int _lastIdRoomAt;

        public Statements(SqliteWriteSession<Statements> session)
        {
            _session = session;
            _insert = session.Compile(MessageInsert.Sql);
            _insertAt = [.. MessageInsert.ParameterNames.Select(_insert.ParameterIndex)];
            _lastId = session.Compile(MessageInsert.LastIdSql);
            _lastIdRoomAt = _lastId.ParameterIndex("room");
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
            _insert.Execute();
            return ValueTask.FromResult(_session.Changes == 1);
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
        }
    }
}
