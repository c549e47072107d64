using GrainChat.Runtime;
using GrainChat.Silo;

namespace GrainChat.Tests.TestGrains;

public interface ICounterGrain : IGrainWithStringKey
{
    /// <summary>Adds one, yielding in the middle of the turn so that an overlapping turn would be caught.</summary>
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    /// <summary>The most turns this activation ever saw running at once.</summary>
    Task<int> GetMaxConcurrentTurnsAsync();
}

public sealed class CounterGrain : Grain, ICounterGrain
{
    private int _value;
    private int _turnsRunning;
    private int _maxConcurrentTurns;

    public async Task<int> IncrementAsync()
    {
        var running = Interlocked.Increment(ref _turnsRunning);
        _maxConcurrentTurns = Math.Max(_maxConcurrentTurns, running);
        var before = _value;
        await Task.Yield();
        _value = before + 1;
        Interlocked.Decrement(ref _turnsRunning);
        return _value;
    }

    public Task<int> GetAsync() => Task.FromResult(_value);

    public Task<int> GetMaxConcurrentTurnsAsync() => Task.FromResult(_maxConcurrentTurns);
}
