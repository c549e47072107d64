using GrainChat.Silo.Cluster.Placement;

namespace GrainChat.Silo.Cluster.Membership;

/// <summary>A node's picture of the cluster at one moment: the rows it read and the placement ring built from them.</summary>
internal sealed class MembershipView
{
    public MembershipView(long number, IReadOnlyList<MembershipEntry> members)
    {
        Number = number;
        Members = members;
        Ring = new PlacementRing(members.Where(m => m.HostsActivations).Select(m => m.Silo));
    }

    public static MembershipView Empty { get; } = new(0, []);

    /// <summary>Grows with every view this node builds.</summary>
    public long Number { get; }

    public IReadOnlyList<MembershipEntry> Members { get; }

    public PlacementRing Ring { get; }

    public bool IsDead(SiloAddress silo) =>
        Members.FirstOrDefault(m => m.Silo == silo) is not { Status: not SiloStatus.Dead };
}
