namespace GrainChat.Silo.Cluster.Membership;

/// <summary>A member's life cycle in the membership table (Orleans: <c>SiloStatus</c>).</summary>
public enum SiloStatus
{
    Joining,
    Active,
    ShuttingDown,
    Dead,
}

/// <summary>One row of the membership table as a node reads it.</summary>
public sealed record MembershipEntry(
    SiloAddress Silo,
    SiloStatus Status,
    bool HostsGrains,
    string Role,
    string HostName,
    DateTimeOffset StartedAt,
    DateTimeOffset LastHeartbeat,
    long Version,
    SiloLoad? Load)
{
    public bool HostsActivations => Status == SiloStatus.Active && HostsGrains;
}

/// <summary>What a member reports with each heartbeat, for the dashboard's silos page.</summary>
public sealed record SiloLoad(
    double CpuPercent,
    long MemoryBytes,
    int Activations,
    long TotalCalls,
    double CallsPerSecond,
    IReadOnlyDictionary<string, int> ActivationsByType);
