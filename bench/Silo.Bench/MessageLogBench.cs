using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Bench;

/// <summary>
/// The message log in process, no network: concurrent appenders over <see cref="Rooms"/> rooms with 10 senders
/// each, every append acknowledged only after its batch commits (group commit; search indexing after the commit
/// included), with time-ordered client message ids (as the web client sends) or random ones (as any API client
/// may). Its floors are the same rows inserted by one thread through one prepared statement in transactions of
/// the log's largest batch, into a copy of the messages table with all of its indexes and into one with its
/// primary key only: what the database itself costs, and what the indexes add.
/// </summary>
internal static class MessageLogBench
{
    public const int Rooms = 50;
    public const int SendersPerRoom = 10;
    public const int FloorBatch = 512;

    private const string Columns = """
        room_id TEXT NOT NULL, seq BIGINT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
        client_message_id TEXT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (room_id, seq)
        """;

    public static Func<int, long, Task> Append(IMessageLog log, bool timeOrderedIds)
    {
        var sequence = 0L;
        return (worker, _) =>
        {
            var n = Interlocked.Increment(ref sequence);
            var room = worker % Rooms;
            return log.AppendAsync($"room-{room}", Sender(room, worker), Text(n), ClientId(timeOrderedIds));
        };
    }

    public static async Task CreateFloorTablesAsync(SqlDialect dialect)
    {
        var withoutRowId = dialect is SqliteDialect ? " WITHOUT ROWID" : "";
        await using var connection = await dialect.OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TABLE floor_all ({Columns}){withoutRowId};
            CREATE UNIQUE INDEX floor_all_client ON floor_all (room_id, client_message_id, sender) WHERE client_message_id IS NOT NULL;
            CREATE INDEX floor_all_created_at ON floor_all (created_at);
            CREATE TABLE floor_primary_key ({Columns}){withoutRowId};
            """;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One operation inserts <see cref="FloorBatch"/> rows (time-ordered client ids) in one transaction, like a full batch of the log.</summary>
    public static Func<int, long, Task> RawInsert(SqlDialect dialect, string table)
    {
        var sequence = 0L;
        return (_, _) => dialect.WriteAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = $"INSERT INTO {table} (room_id, seq, sender, text, client_message_id, created_at) VALUES (@room, @seq, @sender, @text, @client, @created)";
            var room = insert.AddParameter("room", "");
            var seq = insert.AddParameter("seq", 0L);
            var sender = insert.AddParameter("sender", "");
            var text = insert.AddParameter("text", "");
            var client = insert.AddParameter("client", "");
            var created = insert.AddParameter("created", 0L);
            await insert.PrepareAsync(ct);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var i = 0; i < FloorBatch; i++)
            {
                var n = ++sequence;
                var roomNumber = (int)(n % Rooms);
                (room.Value, seq.Value, sender.Value, text.Value, client.Value, created.Value) =
                    ($"room-{roomNumber}", n, Sender(roomNumber, (int)(n / Rooms)), Text(n), ClientId(timeOrdered: true), now);
                await insert.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return 0;
        }, default);
    }

    private static string ClientId(bool timeOrdered) => (timeOrdered ? Guid.CreateVersion7() : Guid.NewGuid()).ToString();

    private static string Sender(int room, int worker) => $"user-{room}-{worker % SendersPerRoom}";

    private static string Text(long n) => $"message number {n} with a few words of chat in it";
}
