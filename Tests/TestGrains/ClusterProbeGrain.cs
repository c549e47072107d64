using GrainChat.Chat;
using GrainChat.Runtime;
using GrainChat.Silo.Cluster.Membership;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.TestGrains;

public interface IClusterProbeGrain : IGrainWithStringKey
{
    /// <summary>The silo this activation lives on.</summary>
    Task<string> WhereAsync();

    /// <summary>Adds one in memory, yielding mid-turn; a second activation would split the count.</summary>
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    /// <summary>Calls the probe named next in <paramref name="path"/>; answers with the silos visited.</summary>
    Task<string> RelayAsync(string[] path, int position);

    Task SleepAsync(TimeSpan duration);

    Task RefuseAsync(string message);

    Task FailAsync(string message);
}

public sealed class ClusterProbeGrain(IServiceProvider services) : Grain, IClusterProbeGrain
{
    private int _value;

    public Task<string> WhereAsync() => Task.FromResult(services.GetRequiredService<ClusterMembership>().Self.ToString());

    public async Task<int> IncrementAsync()
    {
        var before = _value;
        await Task.Yield();
        _value = before + 1;
        return _value;
    }

    public Task<int> GetAsync() => Task.FromResult(_value);

    public async Task<string> RelayAsync(string[] path, int position)
    {
        var here = await WhereAsync();
        if (position + 1 >= path.Length)
        {
            return here;
        }

        return $"{here}>{await GrainFactory.GetGrain<IClusterProbeGrain>(path[position + 1]).RelayAsync(path, position + 1)}";
    }

    public Task SleepAsync(TimeSpan duration) => Task.Delay(duration);

    public Task RefuseAsync(string message) => throw ChatException.Forbidden(message);

    public Task FailAsync(string message) => throw new InvalidOperationException(message);
}
