using System.Collections.Concurrent;
using GrainChat.Tests.Infrastructure;
using GrainChat.Tests.TestGrains;

namespace GrainChat.Tests.Silo;

public sealed class TurnBasedExecutionTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Ten_thousand_concurrent_calls_to_one_grain_each_take_effect_once_and_never_overlap()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var counter = silo.GrainFactory.GetGrain<ICounterGrain>("shared");

        var calls = Enumerable.Range(0, 10_000).Select(_ => Task.Run(() => counter.IncrementAsync())).ToArray();
        var answers = await Task.WhenAll(calls);

        Assert.Equal(10_000, await counter.GetAsync());
        Assert.Equal(Enumerable.Range(1, 10_000), answers.Order());
        Assert.Equal(1, await counter.GetMaxConcurrentTurnsAsync());
    }

    [Fact]
    public async Task Calls_to_a_thousand_different_grains_are_all_in_progress_at_once()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var inFlight = (SharedCounter)silo.Services.GetService(typeof(SharedCounter))!;
        var gate = new TaskCompletionSource();
        var entered = Enumerable.Range(0, 1_000).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();

        var calls = entered.Select((e, i) => silo.GrainFactory.GetGrain<IGateGrain>($"g{i}").HoldAsync(gate.Task, e)).ToArray();

        // Serialised execution would never get past the first grain while the gate is closed.
        await Task.WhenAll(entered.Select(e => e.Task)).WaitAsync(WaitLimit);
        Assert.Equal(1_000, inFlight.Value);
        gate.SetResult();
        await Task.WhenAll(calls).WaitAsync(WaitLimit);
        Assert.Equal(0, inFlight.Value);
    }

    [Fact]
    public async Task Interleaving_calls_made_one_after_another_start_in_that_order_while_other_calls_queue()
    {
        const int Calls = 10_000;
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("in-order");
        var arrivals = new ConcurrentQueue<int>();
        using var stop = new CancellationTokenSource();

        // Ordinary calls from two other threads keep the grain queueing calls and draining its queue.
        var busy = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await grain.YieldingTouchAsync();
            }
        })).ToArray();
        while (await grain.PeekAsync() < 100)
        {
            await Task.Delay(10);
        }

        var calls = new Task[Calls];
        for (var i = 0; i < Calls; i++)
        {
            // Unevenly spaced, so the queue now and then empties just as the drain takes the previous call.
            Thread.SpinWait(Random.Shared.Next(0, 300));
            calls[i] = grain.ArriveAsync(arrivals, i);
        }

        await Task.WhenAll(calls).WaitAsync(WaitLimit);
        await stop.CancelAsync();
        await Task.WhenAll(busy).WaitAsync(WaitLimit);

        Assert.Equal(Enumerable.Range(0, Calls), arrivals);
    }

    [Fact]
    public async Task A_call_waits_while_an_earlier_turn_of_the_same_grain_awaits()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("busy");
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var holding = grain.HoldAsync(gate.Task, entered);
        await entered.Task.WaitAsync(WaitLimit);
        var touch = grain.TouchAsync();
        await Task.Delay(300);

        Assert.False(touch.IsCompleted, "A second call ran while the first turn was still awaiting.");
        gate.SetResult();
        await holding.WaitAsync(WaitLimit);
        Assert.Equal(1, await touch.WaitAsync(WaitLimit));
    }

    [Fact]
    public async Task An_always_interleave_call_runs_while_another_turn_awaits()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("interleaved");
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await grain.TouchAsync();

        var holding = grain.HoldAsync(gate.Task, entered);
        await entered.Task.WaitAsync(WaitLimit);

        Assert.Equal(1, await grain.PeekAsync().WaitAsync(WaitLimit));
        Assert.False(holding.IsCompleted);
        gate.SetResult();
        await holding.WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task Interleaving_calls_queue_behind_a_waiting_ordinary_call_so_it_is_not_starved()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("fair");
        var firstGate = new TaskCompletionSource();
        var firstEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var laterEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = grain.HoldInterleavedAsync(firstGate.Task, firstEntered);
        await firstEntered.Task.WaitAsync(WaitLimit);
        var ordinary = grain.TouchAsync();
        var later = grain.HoldInterleavedAsync(Task.CompletedTask, laterEntered);
        await Task.Delay(300);

        Assert.False(ordinary.IsCompleted, "The ordinary call ran beside a running interleaving call.");
        Assert.False(laterEntered.Task.IsCompleted, "A later interleaving call overtook the waiting ordinary call.");
        firstGate.SetResult();
        Assert.Equal(1, await ordinary.WaitAsync(WaitLimit));
        await Task.WhenAll(first, later).WaitAsync(WaitLimit);
    }

    [Fact]
    public async Task Read_only_calls_overlap_each_other_but_not_an_ordinary_call()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("readers");
        var gate = new TaskCompletionSource();
        var firstEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = grain.ReadWhileHoldingAsync(gate.Task, firstEntered);
        var second = grain.ReadWhileHoldingAsync(gate.Task, secondEntered);
        await Task.WhenAll(firstEntered.Task, secondEntered.Task).WaitAsync(WaitLimit);
        var touch = grain.TouchAsync();
        await Task.Delay(300);

        Assert.False(touch.IsCompleted, "An ordinary call ran beside read-only turns.");
        gate.SetResult();
        await Task.WhenAll(first, second).WaitAsync(WaitLimit);
        Assert.Equal(1, await touch.WaitAsync(WaitLimit));
    }

    [Fact]
    public async Task A_call_chain_through_three_grains_returns_through_each()
    {
        await using var silo = await TestSilo.StartMemoryAsync();

        var answer = await silo.GrainFactory.GetGrain<IChainGrain>("a").RelayAsync(["a", "b", "c"], 0);

        Assert.Equal("a>b>c", answer);
    }

    [Fact]
    public async Task A_call_cycle_fails_with_a_timeout_instead_of_hanging()
    {
        await using var silo = await TestSilo.StartMemoryAsync(settings => settings["GrainChat:Silo:CallTimeout"] = "00:00:01");
        var a = silo.GrainFactory.GetGrain<IChainGrain>("a");

        var failure = await Assert.ThrowsAsync<TimeoutException>(() => a.RelayAsync(["a", "b", "a"], 0).WaitAsync(WaitLimit));

        Assert.Contains("RelayAsync", failure.Message, StringComparison.Ordinal);
        Assert.Equal("a", await a.RelayAsync(["a"], 0).WaitAsync(WaitLimit));
    }

    [Fact]
    public async Task A_call_that_starts_at_once_on_an_idle_grain_and_then_awaits_past_the_call_timeout_fails_with_a_timeout()
    {
        await using var silo = await TestSilo.StartMemoryAsync(settings => settings["GrainChat:Silo:CallTimeout"] = "00:00:01");
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("slow");
        var gate = new TaskCompletionSource();
        try
        {
            // A call that comes back already answered ran on this thread: the grain is active and idle, so the next
            // call starts the same way (the first call activates it, and the activation's work item may still be
            // finishing when its answer arrives).
            var touches = 0;
            Task<int> touch;
            while (!(touch = grain.TouchAsync()).IsCompleted)
            {
                touches = await touch.WaitAsync(WaitLimit);
            }

            touches = await touch;
            var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            var holding = grain.HoldAsync(gate.Task, entered);
            Assert.True(entered.Task.IsCompleted, "The call to an idle grain did not start at once.");
            var failure = await Assert.ThrowsAsync<TimeoutException>(() => holding.WaitAsync(WaitLimit));

            Assert.Contains("HoldAsync", failure.Message, StringComparison.Ordinal);
            var next = grain.TouchAsync();
            Assert.False(next.IsCompleted, "A call ran while the timed-out turn was still awaiting.");
            gate.SetResult();
            Assert.Equal(touches + 1, await next.WaitAsync(WaitLimit));
        }
        finally
        {
            // A failed assertion must not leave the turn open, or stopping the silo waits for it.
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task An_exception_reaches_the_caller_as_itself_and_the_grain_stays_usable()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<IChainGrain>("thrower");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ThrowAsync("boom"));

        Assert.Equal("boom", failure.Message);
        Assert.Equal("thrower", await grain.RelayAsync(["thrower"], 0));
    }

    [Fact]
    public async Task Grain_references_to_the_same_grain_are_equal()
    {
        await using var silo = await TestSilo.StartMemoryAsync();

        var first = silo.GrainFactory.GetGrain<ICounterGrain>("same");
        var second = silo.GrainFactory.GetGrain<ICounterGrain>("same");

        Assert.Equal(first, second);
        Assert.NotEqual(first, silo.GrainFactory.GetGrain<ICounterGrain>("other"));
    }
}
