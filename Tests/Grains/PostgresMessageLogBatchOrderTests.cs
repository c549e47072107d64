using GrainChat.Chat;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GrainChat.Tests.Grains;

/// <summary>
/// Batches queued behind one that has not committed yet: each test holds the log writer's first batch at its INSERT
/// (a lock on the table) until the rest is queued. The ids the batches behind take, and how a failure of the
/// first one reaches them, are what a writer that overlaps batches (tried, measured, not kept) must also get right.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMessageLogBatchOrderTests(PostgresServer server)
{
    private const string RoomId = "room-a";

    [PostgresFact]
    public async Task A_batch_refused_at_commit_fails_alone_and_the_batch_behind_it_takes_its_ids()
    {
        var database = await server.CreateDatabaseAsync();
        await using var silo = await TestSilo.StartPostgresAsync(database, services: MessageLogTests.AddChatGrains);
        var log = silo.Services.GetRequiredService<IMessageLog>();
        await RefuseAtCommitAsync(database, "poison");

        var (refused, behind) = await WithFirstBatchHeldAsync(database, log,
            first: () => log.AppendAsync(RoomId, "alice", "poison", "c-poison"),
            behind: () => Enumerable.Range(0, 100).Select(i => log.AppendAsync(RoomId, "alice", $"m{i}", $"c{i}")).ToArray());

        await Assert.ThrowsAsync<PostgresException>(() => refused);
        var stored = await Task.WhenAll(behind);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), stored.Select(s => s.Message.Id));
        var history = await silo.Services.GetRequiredService<IMessageHistory>().ReadAsync(RoomId, new HistoryQuery(0, null, 200));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"), history.Select(m => m.Text));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), history.Select(m => m.Id));
    }

    [PostgresFact]
    public async Task A_client_message_id_repeated_in_the_batch_behind_an_uncommitted_one_gets_the_stored_message()
    {
        var database = await server.CreateDatabaseAsync();
        await using var silo = await TestSilo.StartPostgresAsync(database, services: MessageLogTests.AddChatGrains);
        var log = silo.Services.GetRequiredService<IMessageLog>();

        var (first, behind) = await WithFirstBatchHeldAsync(database, log,
            first: () => log.AppendAsync(RoomId, "alice", "hello", "c-hello"),
            behind: () => [log.AppendAsync(RoomId, "alice", "hello again", "c-hello"), .. Enumerable.Range(0, 50).Select(i => log.AppendAsync(RoomId, "alice", $"m{i}", $"c{i}"))]);

        var original = await first;
        var stored = await Task.WhenAll(behind);
        Assert.Equal((true, 1L), (original.Created, original.Message.Id));
        Assert.Equal((false, 1L, "hello"), (stored[0].Created, stored[0].Message.Id, stored[0].Message.Text));
        Assert.Equal(Enumerable.Range(2, 50).Select(i => (long)i), stored.Skip(1).Select(s => s.Message.Id));
        var history = await silo.Services.GetRequiredService<IMessageHistory>().ReadAsync(RoomId, new HistoryQuery(0, null, 200));
        Assert.Equal(51, history.Count);
    }

    [PostgresFact]
    public async Task Batches_queued_behind_an_uncommitted_one_keep_every_rooms_ids_in_order()
    {
        var database = await server.CreateDatabaseAsync();
        await using var silo = await TestSilo.StartPostgresAsync(database, services: MessageLogTests.AddChatGrains);
        var log = silo.Services.GetRequiredService<IMessageLog>();

        var (first, behind) = await WithFirstBatchHeldAsync(database, log,
            first: () => log.AppendAsync("room-b", "bob", "first", null),
            behind: () => Enumerable.Range(0, 2000).Select(i => log.AppendAsync($"room-{"abc"[i % 3]}", "alice", $"m{i}", null)).ToArray());

        await first;
        var stored = await Task.WhenAll(behind);
        Assert.Equal(Enumerable.Range(1, 667).Select(i => (long)i), stored.Where(s => s.Message.RoomId == "room-a").Select(s => s.Message.Id));
        Assert.Equal(Enumerable.Range(2, 667).Select(i => (long)i), stored.Where(s => s.Message.RoomId == "room-b").Select(s => s.Message.Id));
        Assert.Equal(Enumerable.Range(1, 666).Select(i => (long)i), stored.Where(s => s.Message.RoomId == "room-c").Select(s => s.Message.Id));
    }

    /// <summary>
    /// Starts <paramref name="first"/> while the table is locked, waits until the writer's INSERT for it is blocked,
    /// queues <paramref name="behind"/> and lets the table go.
    /// </summary>
    private static async Task<(Task<PostResult> First, Task<PostResult>[] Behind)> WithFirstBatchHeldAsync(
        string database, IMessageLog log, Func<Task<PostResult>> first, Func<Task<PostResult>[]> behind)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "LOCK TABLE messages IN SHARE ROW EXCLUSIVE MODE");
        var firstAppend = first();
        using var waiting = new CancellationTokenSource(ChatClient.WaitLimit);
        while (await CountBlockedInsertsAsync(database) == 0)
        {
            await Task.Delay(20, waiting.Token);
        }

        var behindAppends = behind();
        Assert.False(firstAppend.IsCompleted);
        await transaction.CommitAsync();
        return (firstAppend, behindAppends);
    }

    private static async Task<long> CountBlockedInsertsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'messages'::regclass", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A deferred constraint trigger: a row with this text is inserted, and its transaction refused at COMMIT.</summary>
    private static async Task RefuseAtCommitAsync(string database, string text)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"""
            CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.text = '{text}' THEN RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'check_violation'; END IF;
                RETURN NULL;
            END $$;
            CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON messages
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();
            """);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
