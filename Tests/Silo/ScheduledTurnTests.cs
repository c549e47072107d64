using GrainChat.Tests.Infrastructure;
using GrainChat.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Silo;

/// <summary>Work handed to an activation from outside any turn (<c>IGrainContext.ScheduleTurn</c>) and one-way calls.</summary>
public sealed class ScheduledTurnTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Turns_scheduled_from_another_thread_run_one_at_a_time_in_the_order_scheduled()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var log = silo.Services.GetRequiredService<ScheduledTurnLog>();

        await silo.GrainFactory.GetGrain<IScheduledTurnGrain>("order").ScheduleFromOutsideAsync(1_000);

        await Eventually.TrueAsync(() => log.Events.Count == 1_000, WaitLimit);
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => $"turn:{i}"), log.Events);
        Assert.Equal(0, log.Overlaps);
    }

    [Fact]
    public async Task A_scheduled_turn_waits_for_a_running_ordinary_call()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var log = silo.Services.GetRequiredService<ScheduledTurnLog>();
        var grain = silo.GrainFactory.GetGrain<IScheduledTurnGrain>("wait");
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = grain.HoldAsync(gate.Task, entered);
        await entered.Task.WaitAsync(WaitLimit);

        await grain.ScheduleFromOutsideAsync(1);
        await Task.Delay(300);

        Assert.Empty(log.Events);
        gate.SetResult();
        await holding.WaitAsync(WaitLimit);
        await Eventually.TrueAsync(() => log.Events.Count == 1, WaitLimit);
        Assert.Equal(0, log.Overlaps);
    }

    [Fact]
    public async Task A_scheduled_turn_runs_beside_an_always_interleave_call()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var log = silo.Services.GetRequiredService<ScheduledTurnLog>();
        var grain = silo.GrainFactory.GetGrain<IScheduledTurnGrain>("beside");
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = grain.HoldInterleavedAsync(gate.Task, entered);
        await entered.Task.WaitAsync(WaitLimit);

        await grain.ScheduleFromOutsideAsync(3);

        await Eventually.TrueAsync(() => log.Events.Count == 3, WaitLimit, "scheduled turns wait for an interleaving call");
        Assert.False(holding.IsCompleted);
        gate.SetResult();
        await holding.WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task Turns_scheduled_before_a_deactivation_run_before_OnDeactivateAsync()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var log = silo.Services.GetRequiredService<ScheduledTurnLog>();
        var grain = silo.GrainFactory.GetGrain<IScheduledTurnGrain>("last-words");
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = grain.HoldThenDeactivateAsync(gate.Task, entered);
        await entered.Task.WaitAsync(WaitLimit);
        await grain.ScheduleFromOutsideAsync(3);

        gate.SetResult();
        await holding.WaitAsync(WaitLimit);

        await Eventually.TrueAsync(() => log.Events.Contains("deactivated"), WaitLimit);
        Assert.Equal(["turn:0", "turn:1", "turn:2", "deactivated"], log.Events);
    }

    [Fact]
    public async Task A_one_way_call_returns_before_the_grain_has_run_it()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<IOneWayGrain>("tell");
        var gate = new TaskCompletionSource();
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = grain.TellAsync(gate.Task, heard);

        Assert.True(call.IsCompletedSuccessfully);
        Assert.False(heard.Task.IsCompleted);
        gate.SetResult();
        await heard.Task.WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task A_failing_one_way_call_does_not_reach_the_caller_and_the_grain_goes_on()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<IOneWayGrain>("fail");

        await grain.FailAsync();

        Assert.Equal(1, await grain.CountAsync().WaitAsync(WaitLimit));
    }
}
