namespace GrainChat.Gateway.Realtime;

/// <summary>Bound from <c>GrainChat:Limits</c>.</summary>
internal sealed class ConnectionLimitOptions
{
    public const string SectionName = "GrainChat:Limits";

    /// <summary>Hub connections one user may hold on this node at once; one more is refused at connect.</summary>
    public int ConnectionsPerUser { get; set; } = 20;
}
