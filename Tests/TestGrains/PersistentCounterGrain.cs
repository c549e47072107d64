using GrainChat.Runtime;
using GrainChat.Silo;

namespace GrainChat.Tests.TestGrains;

public interface IPersistentCounterGrain : IGrainWithStringKey
{
    Task<int> AddAsync(int amount);

    Task<CounterState> GetAsync();

    /// <summary>Adds without retrying on a version conflict, so the conflict reaches the test.</summary>
    Task<int> AddOnceAsync(int amount);

    /// <summary>Re-reads storage, then adds: what a loser of a write race does.</summary>
    Task<int> ReloadAndAddAsync(int amount);

    Task ClearAsync();

    /// <summary>Starts a slow write in the background of the turn's caller; shutdown must wait for it.</summary>
    Task<int> AddSlowlyAsync(int amount, TimeSpan delay);

    Task<string?> GetEtagAsync();
}

public sealed record CounterState
{
    public int Value { get; init; }

    public IReadOnlyList<int> History { get; init; } = [];
}

public sealed class PersistentCounterGrain([PersistentState("counter")] IPersistentState<CounterState> counter) : Grain, IPersistentCounterGrain
{
    public Task<int> AddAsync(int amount) => AddOnceAsync(amount);

    public Task<CounterState> GetAsync() => Task.FromResult(counter.State);

    public async Task<int> AddOnceAsync(int amount)
    {
        var previous = counter.State;
        counter.State = previous with { Value = previous.Value + amount, History = [.. previous.History, amount] };
        try
        {
            await counter.WriteStateAsync();
        }
        catch
        {
            counter.State = previous;
            throw;
        }

        return counter.State.Value;
    }

    public async Task<int> ReloadAndAddAsync(int amount)
    {
        await counter.ReadStateAsync();
        return await AddOnceAsync(amount);
    }

    public Task ClearAsync() => counter.ClearStateAsync();

    public async Task<int> AddSlowlyAsync(int amount, TimeSpan delay)
    {
        await Task.Delay(delay);
        return await AddOnceAsync(amount);
    }

    public Task<string?> GetEtagAsync() => Task.FromResult(counter.Etag);
}
