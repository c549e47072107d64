using GrainChat.Runtime;
using GrainChat.Silo;

namespace GrainChat.Bench;

public interface IBenchCounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();
}

public sealed class BenchCounterGrain : Grain, IBenchCounterGrain
{
    private int _value;

    public Task<int> IncrementAsync() => Task.FromResult(++_value);
}

public interface IBenchStateGrain : IGrainWithStringKey
{
    Task<int> IncrementAndWriteAsync();
}

public sealed record BenchState
{
    public int Value { get; init; }
}

public sealed class BenchStateGrain([PersistentState("bench")] IPersistentState<BenchState> state) : Grain, IBenchStateGrain
{
    public async Task<int> IncrementAndWriteAsync()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        return state.State.Value;
    }
}

/// <summary>The raw floor for grain calls: the same work as a plain object behind a SemaphoreSlim.</summary>
public sealed class LockedCounter
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private int _value;

    public async Task<int> IncrementAsync()
    {
        await _lock.WaitAsync();
        try
        {
            return ++_value;
        }
        finally
        {
            _lock.Release();
        }
    }
}
