using System.Collections.Concurrent;
using GrainChat.Runtime;

namespace GrainChat.Tests.TestGrains;

public interface IScheduledTurnGrain : IGrainWithStringKey
{
    /// <summary>Schedules <paramref name="count"/> turns from a thread outside any turn, as a storage writer would.</summary>
    [AlwaysInterleave]
    Task ScheduleFromOutsideAsync(int count);

    /// <summary>Holds an exclusive turn until <paramref name="gate"/> completes.</summary>
    Task HoldAsync(Task gate, TaskCompletionSource entered);

    /// <summary>Holds an exclusive turn until <paramref name="gate"/> completes, then asks to be deactivated.</summary>
    Task HoldThenDeactivateAsync(Task gate, TaskCompletionSource entered);

    [AlwaysInterleave]
    Task HoldInterleavedAsync(Task gate, TaskCompletionSource entered);
}

/// <summary>What the scheduled turns did, where the test can see it (a singleton shared with the test).</summary>
public sealed class ScheduledTurnLog
{
    public ConcurrentQueue<string> Events { get; } = new();

    public int Overlaps;
}

public sealed class ScheduledTurnGrain(ScheduledTurnLog log) : Grain, IScheduledTurnGrain
{
    private int _inTurn;

    public Task ScheduleFromOutsideAsync(int count)
    {
        var context = GrainContext;
        return Task.Run(() =>
        {
            for (var i = 0; i < count; i++)
            {
                var number = i;
                context.ScheduleTurn(() => RecordAsync($"turn:{number}"));
            }
        });
    }

    public async Task HoldAsync(Task gate, TaskCompletionSource entered)
    {
        Enter();
        entered.TrySetResult();
        await gate;
        Leave();
    }

    public async Task HoldThenDeactivateAsync(Task gate, TaskCompletionSource entered)
    {
        await HoldAsync(gate, entered);
        DeactivateOnIdle();
    }

    public async Task HoldInterleavedAsync(Task gate, TaskCompletionSource entered)
    {
        entered.TrySetResult();
        await gate;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        log.Events.Enqueue("deactivated");
        return Task.CompletedTask;
    }

    private async Task RecordAsync(string what)
    {
        Enter();
        await Task.Yield();
        log.Events.Enqueue(what);
        Leave();
    }

    private void Enter()
    {
        if (Interlocked.Exchange(ref _inTurn, 1) == 1)
        {
            Interlocked.Increment(ref log.Overlaps);
        }
    }

    private void Leave() => Volatile.Write(ref _inTurn, 0);
}

public interface IOneWayGrain : IGrainWithStringKey
{
    [OneWay]
    Task TellAsync(Task gate, TaskCompletionSource heard);

    [OneWay]
    Task FailAsync();

    Task<int> CountAsync();
}

public sealed class OneWayGrain : Grain, IOneWayGrain
{
    private int _calls;

    public async Task TellAsync(Task gate, TaskCompletionSource heard)
    {
        _calls++;
        await gate;
        heard.TrySetResult();
    }

    public Task FailAsync()
    {
        _calls++;
        throw new InvalidOperationException("A one-way call fails on purpose");
    }

    public Task<int> CountAsync() => Task.FromResult(_calls);
}
