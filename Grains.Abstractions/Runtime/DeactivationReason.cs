namespace GrainChat.Runtime;

public enum DeactivationReasonCode
{
    /// <summary>Idle for longer than <c>GrainChat:Silo:IdleDeactivation</c>.</summary>
    IdleCollection,

    /// <summary>The grain called <c>DeactivateOnIdle()</c>.</summary>
    ApplicationRequested,

    /// <summary>The silo is stopping.</summary>
    ShuttingDown,

    /// <summary>
    /// Writing the grain's state failed (storage unreachable): what it holds in memory may be ahead of storage,
    /// so the next call gets a fresh activation that reads what is stored.
    /// </summary>
    StateWriteFailed,

    /// <summary>Another silo of the cluster owns the grain now (membership changed, or this silo was declared dead).</summary>
    PlacementChanged,
}

/// <summary>Why an activation is being deactivated (Orleans: <c>DeactivationReason</c>).</summary>
public readonly record struct DeactivationReason(DeactivationReasonCode Code, string Description)
{
    public override string ToString() => $"{Code}: {Description}";
}
