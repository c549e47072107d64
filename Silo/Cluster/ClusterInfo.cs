using GrainChat.Silo.Cluster.Membership;

namespace GrainChat.Silo.Cluster;

/// <summary>What the rest of a node may know about its cluster: whether there is one, who is in it, who this node is.</summary>
public sealed class ClusterInfo
{
    private readonly ClusterMembership? _membership;

    internal ClusterInfo(ClusterMembership? membership) => _membership = membership;

    public bool IsClustered => _membership is not null;

    /// <summary>This node's silo address, or <see cref="Runtime.SiloBoundAttribute.LocalKey"/> on a single node.</summary>
    public string LocalSilo => _membership?.Self.ToString() ?? Runtime.SiloBoundAttribute.LocalKey;

    /// <summary>Every member alive or recently dead, with its last reported load; empty on a single node.</summary>
    public IReadOnlyList<MembershipEntry> Members => _membership?.View.Members ?? [];

    /// <summary>Keys of the <see cref="Runtime.SiloBoundAttribute"/> grains of every live node with the role ("gateway"), this node's included.</summary>
    public IReadOnlyList<string> LiveNodes(string role) =>
        _membership is null
            ? [Runtime.SiloBoundAttribute.LocalKey]
            : [.. _membership.View.Members
                .Where(m => m.Status is SiloStatus.Active or SiloStatus.ShuttingDown && string.Equals(m.Role, role, StringComparison.Ordinal))
                .Select(m => m.Silo.ToString())];
}
