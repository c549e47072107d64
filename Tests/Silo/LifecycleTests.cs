using System.Diagnostics;
using System.Globalization;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Telemetry;
using GrainChat.Tests.Infrastructure;
using GrainChat.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GrainChat.Tests.Silo;

public sealed class LifecycleTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    private static Action<Dictionary<string, string?>> QuickCollection => settings =>
    {
        settings["GrainChat:Silo:IdleDeactivation"] = "00:00:00.300";
        settings["GrainChat:Silo:CollectionInterval"] = "00:00:00.050";
    };

    [Fact]
    public async Task An_idle_activation_is_deactivated_and_the_next_call_gets_a_new_one()
    {
        await using var silo = await TestSilo.StartMemoryAsync(QuickCollection);
        var log = silo.Services.GetRequiredService<LifecycleLog>();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("idle");
        var first = await grain.GetActivationIdAsync();

        await Eventually.TrueAsync(() => log.Events.Contains("deactivate:idle:IdleCollection"), WaitLimit);
        var second = await grain.GetActivationIdAsync();

        Assert.NotEqual(first, second);
        Assert.Equal(["activate:idle", "deactivate:idle:IdleCollection", "activate:idle"], log.Events);
    }

    [Fact]
    public async Task A_busy_activation_outlives_its_idle_age()
    {
        // Calls every 100 ms for twice the idle age. The idle age is 30 times the call interval so that a stall of the
        // test host (a starved thread pool on a busy two-core machine) does not open a gap as long as the idle age.
        var idleAge = TimeSpan.FromSeconds(3);
        await using var silo = await TestSilo.StartMemoryAsync(settings =>
        {
            settings["GrainChat:Silo:IdleDeactivation"] = idleAge.ToString("c", CultureInfo.InvariantCulture);
            settings["GrainChat:Silo:CollectionInterval"] = "00:00:00.050";
        });
        var log = silo.Services.GetRequiredService<LifecycleLog>();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("busy");
        var first = await grain.GetActivationIdAsync();
        var elapsed = Stopwatch.StartNew();

        while (elapsed.Elapsed < 2 * idleAge)
        {
            await Task.Delay(100);
            Assert.Equal(first, await grain.GetActivationIdAsync());
        }

        Assert.DoesNotContain("deactivate:busy:IdleCollection", log.Events);
    }

    [Fact]
    public async Task Timers_tick_as_turns_and_stop_when_the_activation_is_deactivated()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var log = silo.Services.GetRequiredService<LifecycleLog>();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("ticking");

        await grain.StartTimerAsync(TimeSpan.FromMilliseconds(20));
        await Eventually.TrueAsync(() => log.TimerTicks.GetValueOrDefault("ticking") >= 3, WaitLimit);
        await grain.DeactivateAsync();
        await Eventually.TrueAsync(() => log.Events.Contains("deactivate:ticking:ApplicationRequested"), WaitLimit);
        var ticksAtDeactivation = log.TimerTicks["ticking"];
        await Task.Delay(300);

        Assert.Equal(ticksAtDeactivation, log.TimerTicks["ticking"]);
    }

    [Fact]
    public async Task A_failed_activation_reaches_the_caller_and_the_next_call_activates_afresh()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>(LifecycleGrain.FailFirstActivationPrefix + "x");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.PingAsync());

        Assert.Contains("fails on purpose", failure.Message, StringComparison.Ordinal);
        Assert.Equal("pong", await grain.PingAsync());
    }

    [Fact]
    public async Task Calls_queued_behind_a_deactivation_are_delivered_to_the_next_activation()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("handover");
        var first = await grain.GetActivationIdAsync();

        var deactivate = grain.DeactivateAsync();
        var following = Enumerable.Range(0, 100).Select(_ => grain.GetActivationIdAsync()).ToArray();
        await deactivate;
        var answers = await Task.WhenAll(following).WaitAsync(WaitLimit);

        Assert.All(answers, id => Assert.NotEqual(first, id));
        Assert.Single(answers.Distinct());
    }

    [Fact]
    public async Task Stopping_the_silo_deactivates_every_activation()
    {
        var silo = await TestSilo.StartMemoryAsync();
        var log = silo.Services.GetRequiredService<LifecycleLog>();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => silo.GrainFactory.GetGrain<ILifecycleGrain>($"s{i}").PingAsync()));

        await silo.StopAsync();

        Assert.Equal(50, log.Events.Count(e => e.EndsWith(":ShuttingDown", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_activation_that_outlasts_the_call_timeout_fails_its_calls_with_a_timeout()
    {
        // The collector that answers late calls runs rarely here, so the answer is the activation's own failure.
        await using var silo = await TestSilo.StartMemoryAsync(settings =>
        {
            settings["GrainChat:Silo:CallTimeout"] = "00:00:00.200";
            settings["GrainChat:Silo:CollectionInterval"] = "00:01:00";
        });
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>($"{LifecycleGrain.EndlessActivationPrefix}1");

        await Assert.ThrowsAsync<TimeoutException>(() => grain.PingAsync().WaitAsync(WaitLimit));
    }

    [Fact]
    public async Task Shutdown_waits_for_queued_calls_but_not_for_those_already_answered_with_a_timeout()
    {
        await using var silo = await TestSilo.StartMemoryAsync(settings => settings["GrainChat:Silo:CallTimeout"] = "00:00:00.500");
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("shutdown");
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = grain.HoldAsync(gate.Task, entered);
        await entered.Task.WaitAsync(WaitLimit);
        var queued = grain.TouchAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => queued.WaitAsync(WaitLimit));
        await Assert.ThrowsAsync<TimeoutException>(() => holding.WaitAsync(WaitLimit));

        // The queued call was answered (timed out) but is still in the queue when the shutdown asks to deactivate.
        var stopping = silo.StopAsync();
        gate.SetResult();

        await stopping.WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task A_turn_that_ends_after_its_silo_is_disposed_still_removes_its_activation()
    {
        // The host gives up on the shutdown's deactivations after 200 ms and disposes its services while a call is
        // still running; when that call ends, the deactivation it was holding back must finish without them.
        var silo = await TestSilo.StartMemoryAsync(services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)));
        var catalog = silo.Services.GetRequiredService<Catalog>();
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = silo.GrainFactory.GetGrain<IGateGrain>("outlives-its-silo").HoldAsync(gate.Task, entered);
        await entered.Task.WaitAsync(WaitLimit);

        await silo.StopAbandoningWorkAsync();
        gate.SetResult();

        await holding.WaitAsync(WaitLimit);
        await Eventually.TrueAsync(() => catalog.Count == 0, WaitLimit);
    }

    [Fact]
    public async Task The_statistics_snapshot_counts_calls_failures_and_activations()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var statistics = silo.Services.GetRequiredService<SiloStatistics>();
        var grain = silo.GrainFactory.GetGrain<IChainGrain>("stats");

        for (var i = 0; i < 5; i++)
        {
            await grain.RelayAsync(["stats"], 0);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ThrowAsync("counted"));

        var relay = Assert.Single(statistics.Methods(), m => m is { GrainType: "chain", Method: "RelayAsync" });
        var thrown = Assert.Single(statistics.Methods(), m => m is { GrainType: "chain", Method: "ThrowAsync" });
        Assert.Equal((5, 0), (relay.Calls, relay.Failures));
        Assert.Equal((1, 1), (thrown.Calls, thrown.Failures));
        Assert.True(relay.P99Milliseconds >= relay.MeanMilliseconds);
        Assert.Equal(6, statistics.TotalCalls);
        Assert.Equal(1, statistics.ActivationsByType()["chain"]);
    }
}
