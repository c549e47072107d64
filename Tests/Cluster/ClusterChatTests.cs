using System.Collections.Concurrent;
using GrainChat.Chat;
using GrainChat.Runtime;
using GrainChat.Silo.Cluster;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GrainChat.Tests.Cluster;

/// <summary>The chat's grains on a three-silo cluster: room streams across nodes, message ids under a double activation.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterChatTests(PostgresServer server)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    [PostgresFact]
    public async Task Messages_posted_through_any_silo_reach_subscribers_on_every_silo_once_each_in_id_order()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync(), chatGrains: true);
        var roomId = await CreateRoomAsync(cluster, "everywhere");
        var watchers = await Task.WhenAll(cluster.Silos.Select(silo => silo.WatchRoomAsync(roomId)));

        await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            cluster.Silos[i % 3].GrainFactory.GetRoomGrain(roomId).PostAsync(i % 2 == 0 ? "alice" : "bob", $"m{i}", $"c{i}")));

        foreach (var watcher in watchers)
        {
            await Eventually.TrueAsync(() => MessageIds(watcher).Count >= 60, WaitLimit, "every silo's subscriber gets the 60 messages");
            Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), MessageIds(watcher));
        }
    }

    [PostgresFact]
    public async Task A_subscriber_whose_node_lost_its_notification_connection_catches_up_from_the_log()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync(), silos: 2, chatGrains: true);
        var roomId = await CreateRoomAsync(cluster, "resilient", owner: cluster.Silos[0]);
        var remote = await cluster.Silos[1].WatchRoomAsync(roomId);
        var room = cluster.Silos[0].GrainFactory.GetRoomGrain(roomId);
        await room.PostAsync("alice", "before", "c0");
        await Eventually.TrueAsync(() => MessageIds(remote).Count == 1, WaitLimit);

        await CutNotificationConnectionsAsync(cluster.Silos[0].Services.GetRequiredService<NpgsqlDataSource>());
        for (var i = 1; i <= 20; i++)
        {
            await room.PostAsync("alice", $"during {i}", $"c{i}");
        }

        await Eventually.TrueAsync(() => MessageIds(remote).Count >= 21, WaitLimit, "the messages sent while the connection was down arrive");
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), MessageIds(remote));
    }

    [PostgresFact]
    public async Task A_users_events_reach_their_connections_on_another_silo()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync(), chatGrains: true);
        var roomId = await CreateRoomAsync(cluster, "joinable");
        var carolEvents = await cluster.Silos[2].WatchUserAsync("carol");
        await cluster.Silos[0].GrainFactory.GetUserGrain("carol").RegisterAsync("carol", "password1");

        await cluster.Silos[0].GrainFactory.GetRoomGrain(roomId).JoinAsync("carol");

        await Eventually.TrueAsync(() => carolEvents.OfType<MembershipChanged>().Any(e => e.RoomId == roomId && e.IsMember), WaitLimit);
    }

    [PostgresFact]
    public async Task Two_silos_that_both_own_a_room_give_its_messages_consecutive_ids_without_gaps_or_duplicates()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync(), silos: 2, chatGrains: true);
        var roomId = await CreateRoomAsync(cluster, "contested");
        foreach (var silo in cluster.Silos)
        {
            silo.Services.GetRequiredService<ClusterRouter>().PinHere(new GrainId("room", roomId));
        }

        var posts = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            cluster.Silos[i % 2].GrainFactory.GetRoomGrain(roomId).PostAsync(i % 2 == 0 ? "alice" : "bob", $"m{i}", $"c{i}")));

        Assert.Equal(2, cluster.ActivationsOf(new GrainId("room", roomId)));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), posts.Select(p => p.Message.Id).Order());
        var stored = await cluster.Silos[1].Services.GetRequiredService<IMessageHistory>().ReadAsync(roomId, new HistoryQuery(0, null, 200));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), stored.Select(m => m.Id));
    }

    private static async Task<string> CreateRoomAsync(TestCluster cluster, string name, TestSilo? owner = null)
    {
        var factory = cluster.Silos[0].GrainFactory;
        await factory.GetUserGrain("alice").RegisterAsync("alice", "password1");
        await factory.GetUserGrain("bob").RegisterAsync("bob", "password1");
        var key = owner is null ? name : cluster.KeyOwnedBy(owner, "room", name);
        var room = await factory.GetRoomGrain(key).CreateAsync(name, "alice");
        await factory.GetRoomGrain(room.RoomId).JoinAsync("bob");
        return room.RoomId;
    }

    private static List<long> MessageIds(ConcurrentQueue<RoomEvent> events) =>
        events.OfType<MessageReceived>().Select(e => e.Message.Id).ToList();

    private static async Task CutNotificationConnectionsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{ClusterNotifications.ApplicationName}' AND datname = current_database()");
        await command.ExecuteNonQueryAsync();
    }
}
