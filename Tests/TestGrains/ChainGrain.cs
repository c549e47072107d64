using GrainChat.Runtime;
using GrainChat.Silo;

namespace GrainChat.Tests.TestGrains;

public interface IChainGrain : IGrainWithStringKey
{
    /// <summary>Calls the next grain in <paramref name="path"/> and appends its own key to the answer.</summary>
    Task<string> RelayAsync(string[] path, int position);

    Task ThrowAsync(string message);
}

public sealed class ChainGrain : Grain, IChainGrain
{
    public async Task<string> RelayAsync(string[] path, int position)
    {
        if (position + 1 >= path.Length)
        {
            return GrainKey;
        }

        var next = GrainFactory.GetGrain<IChainGrain>(path[position + 1]);
        return $"{GrainKey}>{await next.RelayAsync(path, position + 1)}";
    }

    public Task ThrowAsync(string message) => throw new InvalidOperationException(message);
}
