using GrainChat.Runtime;
using GrainChat.Silo.Persistence;
using GrainChat.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Silo;

/// <summary>Persistence behaviours every storage provider must show; each provider's test class runs them.</summary>
public static class PersistenceScenarios
{
    public delegate Task<Infrastructure.TestSilo> SiloStarter();

    public static async Task StateSurvivesDeactivationAndRestart(SiloStarter start)
    {
        var silo = await start();
        var grain = silo.GrainFactory.GetGrain<IPersistentCounterGrain>("durable");
        await grain.AddAsync(2);
        await grain.AddAsync(3);
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("unrelated").PingAsync();

        await silo.RestartAsync();
        var reloaded = await silo.GrainFactory.GetGrain<IPersistentCounterGrain>("durable").GetAsync();
        await silo.StopAsync();

        Assert.Equal(5, reloaded.Value);
        Assert.Equal([2, 3], reloaded.History);
    }

    public static async Task RacingWritersOnTwoSilosLoseNothing(SiloStarter start)
    {
        await using var first = await start();
        await using var second = await start();
        var onFirst = first.GrainFactory.GetGrain<IPersistentCounterGrain>("raced");
        var onSecond = second.GrainFactory.GetGrain<IPersistentCounterGrain>("raced");
        await onFirst.GetAsync();
        await onSecond.GetAsync();

        // Both activations hold the same version; both write at once. Exactly one may win.
        var outcomes = await Task.WhenAll(Outcome(onFirst.AddOnceAsync(1)), Outcome(onSecond.AddOnceAsync(10)));
        Assert.Single(outcomes, o => o is null);
        var loser = Assert.Single(outcomes, o => o is not null);
        Assert.IsType<InconsistentStateException>(loser);

        // The loser reloads and retries: both increments are kept.
        var retried = outcomes[0] is null ? onSecond.ReloadAndAddAsync(10) : onFirst.ReloadAndAddAsync(1);
        Assert.Equal(11, await retried);
        await first.StopAsync();
        await second.RestartAsync();
        var final = await second.GrainFactory.GetGrain<IPersistentCounterGrain>("raced").GetAsync();
        Assert.Equal(11, final.Value);
        Assert.Equal([1, 10], final.History.Order());
    }

    public static async Task StaleEtagWriteChangesNothing(Infrastructure.TestSilo silo)
    {
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(GrainStorageNames.Default);
        var key = new GrainStateKey("test", Guid.NewGuid().ToString(), "state");

        var v1 = await storage.WriteAsync(key, """{"value":1}""", null, default);
        var v2 = await storage.WriteAsync(key, """{"value":2}""", v1, default);
        var stale = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(key, """{"value":99}""", v1, default));
        var duplicateCreate = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(key, """{"value":98}""", null, default));
        var stored = await storage.ReadAsync(key, default);

        Assert.Equal(v2, stale.StoredEtag);
        Assert.Equal(v2, duplicateCreate.StoredEtag);
        Assert.Equal(new StoredGrainState("""{"value":2}""", v2), stored);
        Assert.NotEqual(v1, v2);
    }

    public static async Task ClearLeavesAVersionedTombstone(Infrastructure.TestSilo silo)
    {
        var grain = silo.GrainFactory.GetGrain<IPersistentCounterGrain>($"cleared-{Guid.NewGuid()}");
        await grain.AddAsync(4);
        var beforeClear = await grain.GetEtagAsync();

        await grain.ClearAsync();
        var afterClear = await grain.GetEtagAsync();
        var state = await grain.GetAsync();
        await grain.AddAsync(1);

        Assert.NotEqual(beforeClear, afterClear);
        Assert.Equal(0, state.Value);
        Assert.Equal(1, (await grain.GetAsync()).Value);
    }

    public static async Task ShutdownWaitsForAnInFlightWrite(SiloStarter start)
    {
        var silo = await start();
        var grain = silo.GrainFactory.GetGrain<IPersistentCounterGrain>("in-flight");
        var slowWrite = grain.AddSlowlyAsync(7, TimeSpan.FromMilliseconds(500));

        await silo.RestartAsync();
        Assert.Equal(7, await slowWrite);
        var reloaded = await silo.GrainFactory.GetGrain<IPersistentCounterGrain>("in-flight").GetAsync();
        await silo.StopAsync();

        Assert.Equal(7, reloaded.Value);
    }

    private static async Task<Exception?> Outcome(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
