using System.Collections.Concurrent;
using GrainChat.Runtime;
using GrainChat.Silo;

namespace GrainChat.Tests.TestGrains;

/// <summary>Holds its turn open until the test opens a gate (arguments are passed by reference within a silo).</summary>
public interface IGateGrain : IGrainWithStringKey
{
    /// <summary>Marks itself entered, then waits for <paramref name="gate"/>.</summary>
    Task HoldAsync(Task gate, TaskCompletionSource entered);

    /// <summary>An ordinary (exclusive) call that records that it ran.</summary>
    Task<int> TouchAsync();

    [ReadOnly]
    Task ReadWhileHoldingAsync(Task gate, TaskCompletionSource entered);

    [AlwaysInterleave]
    Task<int> PeekAsync();

    [AlwaysInterleave]
    Task HoldInterleavedAsync(Task gate, TaskCompletionSource entered);

    Task<int> RunningGrainCountAsync();

    /// <summary>An ordinary call whose turn goes asynchronous once, so calls behind it queue.</summary>
    Task YieldingTouchAsync();

    /// <summary>Adds <paramref name="number"/> to <paramref name="arrivals"/> as its turn starts.</summary>
    [AlwaysInterleave]
    Task ArriveAsync(ConcurrentQueue<int> arrivals, int number);
}

public sealed class GateGrain(SharedCounter inFlight) : Grain, IGateGrain
{
    private int _touches;

    public async Task HoldAsync(Task gate, TaskCompletionSource entered)
    {
        inFlight.Increment();
        entered.TrySetResult();
        await gate;
        inFlight.Decrement();
    }

    public Task<int> TouchAsync() => Task.FromResult(++_touches);

    public async Task ReadWhileHoldingAsync(Task gate, TaskCompletionSource entered)
    {
        entered.TrySetResult();
        await gate;
    }

    public Task<int> PeekAsync() => Task.FromResult(_touches);

    public async Task HoldInterleavedAsync(Task gate, TaskCompletionSource entered)
    {
        entered.TrySetResult();
        await gate;
    }

    public Task<int> RunningGrainCountAsync() => Task.FromResult(inFlight.Value);

    public async Task YieldingTouchAsync()
    {
        await Task.Yield();
        _touches++;
    }

    public Task ArriveAsync(ConcurrentQueue<int> arrivals, int number)
    {
        arrivals.Enqueue(number);
        return Task.CompletedTask;
    }
}

/// <summary>A counter shared by every activation in a test silo (registered as a singleton).</summary>
public sealed class SharedCounter
{
    private int _value;

    public int Value => Volatile.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Decrement() => Interlocked.Decrement(ref _value);
}
