namespace GrainChat.Gateway.Realtime;

/// <summary>Bound from <c>GrainChat:Limits</c>.</summary>
internal sealed class ConnectionLimitOptions
{
    public const string SectionName = "GrainChat:Limits";

    /// <summary>Hub connections one user may hold on this node at once; one more is refused at connect.</summary>
    public int ConnectionsPerUser { get; set; } = 20;

    /// <summary>
    /// Messages that may wait for one connection beyond what its transport buffers; one more means the client
    /// has stopped reading, and the connection is closed.
    /// </summary>
    public int OutboxMessages { get; set; } = 2_000;
}
