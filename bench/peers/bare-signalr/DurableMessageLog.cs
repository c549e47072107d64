using System.Threading.Channels;
using GrainChat.Chat;
using Microsoft.Data.Sqlite;

/// <summary>
/// The least a hub must add to store every message before anyone sees it: one SQLite file in WAL mode with the
/// durability GrainChat uses (<c>synchronous = NORMAL</c>), a single writer that commits whatever has queued as
/// one transaction (group commit) on prepared statements, and the write-ahead log copied back from a thread of its
/// own so no commit waits for a checkpoint. Per-room ids are counted in memory: the peer starts from an empty file.
/// No grains, streams, accounts or search: the benchmark's floor for a durable message, not a chat service.
/// </summary>
internal sealed class DurableMessageLog : IDisposable
{
    private const int MaxBatchSize = 512;
    private const int CheckpointIntervalMilliseconds = 250;
    private const int CheckpointUnderWriteLockAfterPages = 4_096;

    private readonly Channel<PendingMessage> _queue = Channel.CreateUnbounded<PendingMessage>(new() { SingleReader = true });
    private readonly Dictionary<string, long> _lastIds = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();
    private readonly string _connectionString;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _existing;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private readonly Thread _checkpointer;

    public DurableMessageLog(string file)
    {
        SQLitePCL.Batteries_V2.Init();
        _connectionString = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString();
        _connection = new SqliteConnection(_connectionString);
        _connection.Open();
        Execute(_connection, """
            PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -32768;
            CREATE TABLE IF NOT EXISTS messages (
                room_id TEXT NOT NULL, seq INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
                client_message_id TEXT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (room_id, seq)) WITHOUT ROWID;
            CREATE UNIQUE INDEX IF NOT EXISTS messages_client_message_id
                ON messages (room_id, sender, client_message_id) WHERE client_message_id IS NOT NULL;
            """);
        _insert = Prepare("INSERT OR IGNORE INTO messages VALUES ($room, $seq, $sender, $text, $client, $at)", "$room", "$seq", "$sender", "$text", "$client", "$at");
        _existing = Prepare("SELECT seq FROM messages WHERE room_id = $room AND sender = $sender AND client_message_id = $client", "$room", "$sender", "$client");
        _writer = Task.Run(WriteAsync);
        _checkpointer = new Thread(Checkpoint) { IsBackground = true, Name = "Checkpointer" };
        _checkpointer.Start();
    }

    /// <summary>Completes with the message's id once the transaction holding it has committed.</summary>
    public Task<long> AppendAsync(string roomId, string sender, string text, string? clientMessageId, DateTimeOffset timestamp)
    {
        var pending = new PendingMessage(roomId, sender, text, clientMessageId, timestamp.ToUnixTimeMilliseconds());
        return _queue.Writer.TryWrite(pending) ? pending.Stored.Task : Task.FromException<long>(new ObjectDisposedException(nameof(DurableMessageLog)));
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writer.Wait();
        _stopping.Cancel();
        _checkpointer.Join();
        _insert.Dispose();
        _existing.Dispose();
        _connection.Dispose();
        _stopping.Dispose();
    }

    private async Task WriteAsync()
    {
        var batch = new List<PendingMessage>(MaxBatchSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatchSize && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            try
            {
                var ids = Commit(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Stored.TrySetResult(ids[i]);
                }
            }
            catch (Exception exception)
            {
                foreach (var pending in batch)
                {
                    pending.Stored.TrySetException(exception);
                }
            }

            batch.Clear();
        }
    }

    private long[] Commit(List<PendingMessage> batch)
    {
        var ids = new long[batch.Count];
        var before = new Dictionary<string, long>(StringComparer.Ordinal);
        lock (_writeLock)
        {
            using var transaction = _connection.BeginTransaction();
            _insert.Transaction = transaction;
            _existing.Transaction = transaction;
            try
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    ids[i] = Insert(batch[i], before);
                }

                transaction.Commit();
            }
            catch
            {
                // The ids the lost transaction took are handed out again.
                foreach (var (roomId, lastId) in before)
                {
                    _lastIds[roomId] = lastId;
                }

                throw;
            }
        }

        foreach (var message in batch)
        {
            MessagePathTrace.Mark(MessagePathStage.Committed, message.Text);
        }

        return ids;
    }

    private long Insert(PendingMessage message, Dictionary<string, long> before)
    {
        MessagePathTrace.Mark(MessagePathStage.Writing, message.Text);
        var lastId = _lastIds.GetValueOrDefault(message.RoomId);
        var parameters = _insert.Parameters;
        parameters[0].Value = message.RoomId;
        parameters[1].Value = lastId + 1;
        parameters[2].Value = message.Sender;
        parameters[3].Value = message.Text;
        parameters[4].Value = (object?)message.ClientMessageId ?? DBNull.Value;
        parameters[5].Value = message.CreatedAt;
        if (_insert.ExecuteNonQuery() == 1)
        {
            before.TryAdd(message.RoomId, lastId);
            _lastIds[message.RoomId] = lastId + 1;
            return lastId + 1;
        }

        // A repeat of a client message id: the stored message's id, never a second row.
        _existing.Parameters[0].Value = message.RoomId;
        _existing.Parameters[1].Value = message.Sender;
        _existing.Parameters[2].Value = message.ClientMessageId;
        return (long)_existing.ExecuteScalar()!;
    }

    private void Checkpoint()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        while (!_stopping.Token.WaitHandle.WaitOne(CheckpointIntervalMilliseconds))
        {
            if (CheckpointPassive(connection) < CheckpointUnderWriteLockAfterPages)
            {
                continue;
            }

            // A log written to without a pause is only started again from its beginning after a checkpoint that
            // caught up completely, so the last pass holds the writer off.
            lock (_writeLock)
            {
                CheckpointPassive(connection);
            }
        }
    }

    private static long CheckpointPassive(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = command.ExecuteReader();
        return reader.Read() ? reader.GetInt64(1) : 0;
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed record PendingMessage(string RoomId, string Sender, string Text, string? ClientMessageId, long CreatedAt)
    {
        public TaskCompletionSource<long> Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
