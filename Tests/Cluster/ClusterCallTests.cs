using System.Diagnostics;
using System.Net.WebSockets;
using GrainChat.Chat;
using GrainChat.Runtime;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster.Calls;
using GrainChat.Tests.Infrastructure;
using GrainChat.Tests.TestGrains;

namespace GrainChat.Tests.Cluster;

/// <summary>Three silos on one PostgreSQL: placement, one activation per grain, remote calls and their failures.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterCallTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_counter_incremented_from_three_silos_in_parallel_has_one_activation_cluster_wide()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync());

        await Task.WhenAll(cluster.Silos.Select(silo => Task.Run(async () =>
        {
            var counter = silo.GrainFactory.GetGrain<IClusterProbeGrain>("shared-counter");
            await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => counter.IncrementAsync()));
        })));

        Assert.Equal(3000, await cluster.Silos[0].GrainFactory.GetGrain<IClusterProbeGrain>("shared-counter").GetAsync());
        Assert.Equal(1, cluster.ActivationsOf(new GrainId("clusterprobe", "shared-counter")));
    }

    [PostgresFact]
    public async Task A_call_runs_on_the_silo_that_owns_the_grain_whichever_silo_makes_it()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync());
        var owner = cluster.Silos[2];
        var key = cluster.KeyOwnedBy(owner, "clusterprobe", "placed");

        foreach (var caller in cluster.Silos)
        {
            Assert.Equal(TestCluster.AddressOf(owner).ToString(), await caller.GrainFactory.GetGrain<IClusterProbeGrain>(key).WhereAsync());
        }
    }

    [PostgresFact]
    public async Task Exceptions_from_a_remote_grain_keep_their_type_and_code()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync());
        var key = cluster.KeyOwnedBy(cluster.Silos[1], "clusterprobe", "thrower");
        var probe = cluster.Silos[0].GrainFactory.GetGrain<IClusterProbeGrain>(key);

        var refused = await Assert.ThrowsAsync<ChatException>(() => probe.RefuseAsync("members only"));
        Assert.Equal(ChatErrorCode.Forbidden, refused.Code);
        Assert.Equal("members only", refused.Message);

        var failed = await Assert.ThrowsAsync<RemoteGrainException>(() => probe.FailAsync("broken"));
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.OriginalType);
        Assert.Contains("broken", failed.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_call_cycle_across_silos_fails_with_a_timeout_instead_of_hanging()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync());
        var first = cluster.KeyOwnedBy(cluster.Silos[0], "clusterprobe", "cycle-a");
        var second = cluster.KeyOwnedBy(cluster.Silos[1], "clusterprobe", "cycle-b");

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() =>
            cluster.Silos[2].GrainFactory.GetGrain<IClusterProbeGrain>(first).RelayAsync([first, second, first], 0));

        Assert.True(watch.Elapsed < TestCluster.CallTimeout * 3, $"The cycle took {watch.Elapsed} to fail.");
    }

    [PostgresFact]
    public async Task A_connection_without_the_cluster_key_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync(), silos: 1);
        var port = TestCluster.AddressOf(cluster.Silos[0]).Port;

        using var anonymous = new ClientWebSocket();
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/silo/connect"), CancellationToken.None));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_silo_with_another_key_cannot_call_the_cluster()
    {
        var database = await server.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, silos: 1);
        var intruder = await cluster.AddSiloAsync(settings => settings["GrainChat:Cluster:Key"] = "not-the-cluster-key-at-all-0000");
        await cluster.WaitForActiveMembersAsync(2, [intruder]);
        var key = cluster.KeyOwnedBy(cluster.Silos[0], "clusterprobe", "guarded");

        await Assert.ThrowsAsync<SiloUnavailableException>(() => intruder.GrainFactory.GetGrain<IClusterProbeGrain>(key).WhereAsync());
    }
}
