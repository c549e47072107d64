using GrainChat.Gateway.Activity;
using GrainChat.Runtime;

namespace GrainChat.Gateway.Operators;

/// <summary>
/// One per Gateway node, living on that node (<see cref="SiloBoundAttribute"/>): what operators see and do there,
/// so the operators' API on any node can show and act on the whole cluster.
/// </summary>
public interface IGatewayNodeGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<IReadOnlyList<ConnectionView>> ConnectionsAsync();

    /// <summary>Closes the connection if this node holds it; false when it does not.</summary>
    [AlwaysInterleave]
    Task<bool> DisconnectAsync(string connectionId);

    [AlwaysInterleave]
    Task<IReadOnlyList<TrafficEntry>> LogsAsync(string? room, string? user, int limit);

    [AlwaysInterleave]
    Task ClearLogsAsync();

    [AlwaysInterleave]
    Task<NodeCounters> CountersAsync();
}

/// <summary>A node's own counters, summed over the cluster by <c>/api/metrics</c>.</summary>
public sealed record NodeCounters(long PingsTotal, long PingsToday, long Connections);
