using System.Diagnostics;
using GrainChat.Runtime;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster;
using GrainChat.Silo.Cluster.Membership;
using GrainChat.Tests.Infrastructure;
using GrainChat.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Cluster;

/// <summary>What the cluster does when a silo dies, and when two silos both believe they own a grain.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterFailureTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_silo_that_stops_abruptly_is_declared_dead_and_its_grains_come_back_on_the_survivors_with_their_state()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync());
        var victim = cluster.Silos[2];
        var victimAddress = TestCluster.AddressOf(victim);
        var key = cluster.KeyOwnedBy(victim, "persistentcounter", "survivor");
        var survivor = cluster.Silos[0];
        await survivor.GrainFactory.GetGrain<IPersistentCounterGrain>(key).AddAsync(7);

        var victimMembership = TestCluster.Membership(victim);
        await victim.CrashAsync();
        await Eventually.TrueAsync(
            () => TestCluster.Membership(survivor).View.Members.Any(m => m.Silo == victimAddress && m.Status == SiloStatus.Dead),
            TestCluster.DeadAfter + TestCluster.HeartbeatInterval * 4,
            "the crashed silo is declared dead within DeadAfter plus a heartbeat or so");

        // Silence counts from the victim's last heartbeat, not from the crash: on a loaded machine a heartbeat can
        // come a second or more late, and the crash then finds the victim already silent for that long.
        var silent = victimMembership.SinceLastHeartbeat;

        var state = await survivor.GrainFactory.GetGrain<IPersistentCounterGrain>(key).GetAsync();
        Assert.Equal(7, state.Value);
        Assert.NotEqual(victimAddress, TestCluster.OwnerOf(survivor, new GrainId("persistentcounter", key)));
        Assert.True(silent >= TestCluster.DeadAfter - TestCluster.HeartbeatInterval, $"declared dead after only {silent} of silence");
    }

    [PostgresFact]
    public async Task A_call_in_flight_to_a_silo_that_dies_fails_at_once_instead_of_waiting_for_its_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync());
        var victim = cluster.Silos[1];
        var key = cluster.KeyOwnedBy(victim, "clusterprobe", "sleeper");
        var sleeping = cluster.Silos[0].GrainFactory.GetGrain<IClusterProbeGrain>(key).SleepAsync(TestCluster.CallTimeout * 2);
        await Task.Delay(300);

        var watch = Stopwatch.StartNew();
        await victim.CrashAsync();
        await Assert.ThrowsAsync<SiloUnavailableException>(() => sleeping);

        Assert.True(watch.Elapsed < TestCluster.CallTimeout, $"the call failed only after {watch.Elapsed}");
    }

    [PostgresFact]
    public async Task Two_silos_that_both_own_a_grain_cannot_lose_an_update()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync(), silos: 2);
        var grainId = new GrainId("persistentcounter", "contested");
        foreach (var silo in cluster.Silos)
        {
            silo.Services.GetRequiredService<ClusterRouter>().PinHere(grainId);
        }

        var onFirst = cluster.Silos[0].GrainFactory.GetGrain<IPersistentCounterGrain>("contested");
        var onSecond = cluster.Silos[1].GrainFactory.GetGrain<IPersistentCounterGrain>("contested");
        await onFirst.GetAsync();
        await onSecond.GetAsync();
        Assert.Equal(2, cluster.ActivationsOf(grainId));

        var outcomes = await Task.WhenAll(Outcome(onFirst.AddOnceAsync(1)), Outcome(onSecond.AddOnceAsync(10)));
        var loser = Assert.Single(outcomes, o => o is not null);
        Assert.IsType<InconsistentStateException>(loser);

        var retry = outcomes[0] is null ? onSecond.ReloadAndAddAsync(10) : onFirst.ReloadAndAddAsync(1);
        Assert.Equal(11, await retry);
    }

    [PostgresFact]
    public async Task An_activation_on_a_silo_that_does_not_own_its_grain_is_moved_to_the_owner_within_a_heartbeat()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync(), silos: 2);
        var owner = cluster.Silos[0];
        var stray = cluster.Silos[1];
        var key = cluster.KeyOwnedBy(owner, "clusterprobe", "stray");
        var grainId = new GrainId("clusterprobe", key);
        var router = stray.Services.GetRequiredService<ClusterRouter>();
        router.PinHere(grainId);
        Assert.Equal(TestCluster.AddressOf(stray).ToString(), await stray.GrainFactory.GetGrain<IClusterProbeGrain>(key).WhereAsync());

        router.Unpin(grainId);

        await Eventually.TrueAsync(() => cluster.ActivationsOf(grainId, [stray]) == 0, TestCluster.HeartbeatInterval * 6, "the stray activation is deactivated");
        Assert.Equal(TestCluster.AddressOf(owner).ToString(), await stray.GrainFactory.GetGrain<IClusterProbeGrain>(key).WhereAsync());
    }

    private static async Task<Exception?> Outcome(Task call)
    {
        try
        {
            await call;
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
