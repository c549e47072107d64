using GrainChat.Runtime;
using GrainChat.Silo.Cluster;

namespace GrainChat.Gateway.Operators;

/// <summary>
/// Asks every live Gateway node of the cluster (just this one on a single node) through its
/// <see cref="IGatewayNodeGrain"/>. A node that cannot answer is left out of the answer and logged, so one dead
/// node does not take the operators' pages down with it.
/// </summary>
internal sealed partial class GatewayNodes(IGrainFactory grains, ClusterInfo cluster, ILogger<GatewayNodes> logger)
{
    public const string Role = "gateway";

    public async Task<IReadOnlyList<T>> AskAllAsync<T>(Func<IGatewayNodeGrain, Task<T>> ask)
    {
        var nodes = cluster.LiveNodes(Role);
        var answers = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return (Answered: true, Value: await ask(grains.GetGrain<IGatewayNodeGrain>(node)));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogNodeDidNotAnswer(logger, exception, node);
                return (Answered: false, Value: default(T)!);
            }
        }));
        return [.. answers.Where(a => a.Answered).Select(a => a.Value)];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway node {Node} did not answer an operators' query")]
    private static partial void LogNodeDidNotAnswer(ILogger logger, Exception exception, string node);
}
