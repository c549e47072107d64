using System.Diagnostics.Metrics;
using GrainChat.Chat;
using GrainChat.Grains;
using GrainChat.Storage;
using GrainChat.Silo.Hosting;
using GrainChat.Silo.Telemetry;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Grains;

public sealed class MessageLogTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-log-");

    [Fact]
    public Task Two_silos_posting_to_one_room_on_one_database_give_consecutive_ids_without_gaps_or_duplicates() =>
        TwoSilosShareOneRoom(() => StartChatSiloAsync(Path.Combine(_directory.FullName, "chat.db")));

    [Fact]
    public async Task A_repeated_client_message_id_within_one_commit_batch_is_stored_once()
    {
        await using var silo = await StartChatSiloAsync(Path.Combine(_directory.FullName, "chat.db"));
        await RepeatsInOneBatchAreStoredOnce(silo);
    }

    [Fact]
    public async Task A_database_from_before_the_client_id_index_was_reordered_keeps_refusing_repeated_client_ids()
    {
        var file = Path.Combine(_directory.FullName, "chat.db");
        await using (var silo = await StartChatSiloAsync(file))
        {
            var stored = await silo.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", "first", "id-1");
            Assert.True(stored.Created);
        }

        // Put the database back as migration 6 left it: the client-id index keyed room, sender, id.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                DROP INDEX messages_client_message_id;
                CREATE UNIQUE INDEX messages_client_message_id ON messages (room_id, sender, client_message_id) WHERE client_message_id IS NOT NULL;
                DELETE FROM grainchat_schema WHERE version = 7;
                """;
            await command.ExecuteNonQueryAsync();
        }

        await using (var silo = await StartChatSiloAsync(file))
        {
            var repeated = await silo.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", "first again", "id-1");
            Assert.False(repeated.Created);
            Assert.Equal((1L, "first"), (repeated.Message.Id, repeated.Message.Text));
            Assert.Equal(["room_id", "client_message_id", "sender"], await IndexColumnsAsync(silo, "messages_client_message_id"));
        }
    }

    [Fact]
    public async Task A_fault_after_a_commit_does_not_stop_the_writer_from_storing_later_messages()
    {
        await using var silo = await StartChatSiloAsync(Path.Combine(_directory.FullName, "chat.db"));
        var siloMeter = silo.Services.GetRequiredService<SiloMetrics>().Meter;
        var faults = 0;
        using var faultyListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == siloMeter && instrument.Name == "grainchat.silo.message_log.batch_size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        faultyListener.SetMeasurementEventCallback<int>((_, _, _, _) =>
        {
            Interlocked.Increment(ref faults);
            throw new InvalidOperationException("a broken metrics listener");
        });
        faultyListener.Start();
        var log = silo.Services.GetRequiredService<IMessageLog>();

        var first = await log.AppendAsync("room-f", "alice", "first", null).WaitAsync(ChatSilo.WaitLimit);
        var second = await log.AppendAsync("room-f", "alice", "second", null).WaitAsync(ChatSilo.WaitLimit);

        Assert.True(Volatile.Read(ref faults) >= 1, "The listener should have faulted the writer's batch.");
        Assert.Equal((1L, 2L), (first.Message.Id, second.Message.Id));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    internal static async Task TwoSilosShareOneRoom(Func<Task<TestSilo>> start)
    {
        await using var first = await start();
        await using var second = await start();
        await first.GrainFactory.GetGrain<IUserGrain>("alice").RegisterAsync("alice", "password1");
        await first.GrainFactory.GetGrain<IUserGrain>("bob").RegisterAsync("bob", "password1");
        var room = await first.GrainFactory.GetGrain<IRoomGrain>("shared").CreateAsync("Shared", "alice");
        await first.GrainFactory.GetGrain<IRoomGrain>("shared").JoinAsync("bob");

        // Each silo holds its own activation of the room; both write to the same table at once.
        var posts = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            (i % 2 == 0 ? first : second).GrainFactory.GetGrain<IRoomGrain>(room.RoomId).PostAsync(i % 2 == 0 ? "alice" : "bob", $"m{i}", $"c{i}")));

        Assert.All(posts, p => Assert.True(p.Created));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), posts.Select(p => p.Message.Id).Order());

        // What is stored, read from storage: with two activations of one room (a cluster disagreement), each
        // activation's window of recent messages shows what it saw, so a read through one may lag the other's
        // latest writes until it is reactivated. Ids and storage are what must be right.
        var stored = await second.Services.GetRequiredService<GrainChat.Storage.IMessageHistory>().ReadAsync(room.RoomId, new HistoryQuery(0, null, 200));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), stored.Select(m => m.Id));
    }

    internal static async Task RepeatsInOneBatchAreStoredOnce(TestSilo silo)
    {
        await silo.GrainFactory.GetGrain<IUserGrain>("carol").RegisterAsync("carol", "password1");
        var room = await silo.GrainFactory.GetGrain<IRoomGrain>("batch").CreateAsync("Batch", "carol");
        var grain = silo.GrainFactory.GetGrain<IRoomGrain>(room.RoomId);

        var posts = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => grain.PostAsync("carol", "same", i % 2 == 0 ? "twin" : $"solo-{i}")));

        Assert.Single(posts, p => p.Message.ClientMessageId == "twin" && p.Created);
        Assert.All(posts.Where(p => p.Message.ClientMessageId == "twin"), p => Assert.Equal(posts.First(q => q.Created && q.Message.ClientMessageId == "twin").Message.Id, p.Message.Id));
        Assert.Equal(Enumerable.Range(1, 26).Select(i => (long)i), posts.Where(p => p.Created).Select(p => p.Message.Id).Order());
    }

    private static async Task<string[]> IndexColumnsAsync(TestSilo silo, string index)
    {
        await using var connection = await silo.Services.GetRequiredService<GrainChat.Silo.Persistence.Sql.SqlDialect>().OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_index_info('{index}') ORDER BY seqno";
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        return [.. columns];
    }

    internal static Task<TestSilo> StartChatSiloAsync(string sqliteFile) => TestSilo.StartSqliteAsync(sqliteFile, services: AddChatGrains);

    internal static void AddChatGrains(IServiceCollection services) => services.AddChatGrains(new ConfigurationBuilder().Build());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresMessageLogTests(PostgresServer server)
{
    [PostgresFact]
    public async Task Two_silos_posting_to_one_room_on_postgres_give_consecutive_ids_without_gaps_or_duplicates()
    {
        var database = await server.CreateDatabaseAsync();
        await MessageLogTests.TwoSilosShareOneRoom(() => TestSilo.StartPostgresAsync(database, services: MessageLogTests.AddChatGrains));
    }

    [PostgresFact]
    public async Task Appends_to_several_rooms_committed_together_get_each_rooms_next_ids_in_order_on_postgres()
    {
        await using var silo = await TestSilo.StartPostgresAsync(await server.CreateDatabaseAsync(), services: MessageLogTests.AddChatGrains);
        var log = silo.Services.GetRequiredService<GrainChat.Storage.IMessageLog>();
        await log.AppendAsync("room-b", "bob", "before", "b-0");

        // Made at once, so they share commit batches (one INSERT statement each on PostgreSQL).
        var appends = Enumerable.Range(0, 300).Select(i => log.AppendAsync($"room-{"abc"[i % 3]}", "alice", $"m{i}", $"c{i}")).ToArray();
        var stored = await Task.WhenAll(appends);
        var repeat = await log.AppendAsync("room-a", "alice", "m0 again", "c0");

        Assert.All(stored, s => Assert.True(s.Created));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), stored.Where(s => s.Message.RoomId == "room-a").Select(s => s.Message.Id));
        Assert.Equal(Enumerable.Range(2, 100).Select(i => (long)i), stored.Where(s => s.Message.RoomId == "room-b").Select(s => s.Message.Id));
        Assert.Equal((false, 1L, "m0"), (repeat.Created, repeat.Message.Id, repeat.Message.Text));
        var history = silo.Services.GetRequiredService<GrainChat.Storage.IMessageHistory>();
        var roomC = await history.ReadAsync("room-c", new HistoryQuery(0, null, 200));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{3 * i + 2}"), roomC.Select(m => m.Text));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), roomC.Select(m => m.Id));
    }

    [PostgresFact]
    public async Task A_repeated_client_message_id_within_one_commit_batch_is_stored_once_on_postgres()
    {
        await using var silo = await TestSilo.StartPostgresAsync(await server.CreateDatabaseAsync(), services: MessageLogTests.AddChatGrains);
        await MessageLogTests.RepeatsInOneBatchAreStoredOnce(silo);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresMessageLogFaultTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_row_postgres_refuses_fails_only_its_own_append_and_the_rest_of_the_batch_is_stored()
    {
        await using var silo = await TestSilo.StartPostgresAsync(await server.CreateDatabaseAsync(), services: MessageLogTests.AddChatGrains);
        var log = silo.Services.GetRequiredService<GrainChat.Storage.IMessageLog>();

        // Bypasses the room's text rule on purpose: PostgreSQL itself refuses a NUL in text.
        var appends = Enumerable.Range(0, 100)
            .Select(i => log.AppendAsync(i % 10 == 0 ? "room-a" : "room-b", "alice", i == 50 ? "bad \u0000 byte" : $"m{i}", $"c{i}"))
            .ToArray();
        await Assert.ThrowsAnyAsync<Exception>(() => Task.WhenAll(appends));

        Assert.Equal(1, appends.Count(a => a.IsFaulted));
        Assert.True(appends[50].IsFaulted);
        var history = silo.Services.GetRequiredService<GrainChat.Storage.IMessageHistory>();
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), (await history.ReadAsync("room-a", new HistoryQuery(0, null, 200))).Select(m => m.Id));
        Assert.Equal(Enumerable.Range(1, 90).Select(i => (long)i), (await history.ReadAsync("room-b", new HistoryQuery(0, null, 200))).Select(m => m.Id));
    }
}
