namespace GrainChat.Silo.Activation;

/// <summary>One turn's worth of work for an activation: a call, a timer tick, activation or deactivation.</summary>
internal interface IActivationWorkItem
{
    /// <summary>How the turn may overlap others of the same activation.</summary>
    TurnKind Kind { get; }

    /// <summary>Whether the turn keeps the activation from being collected as idle (timer ticks do not).</summary>
    bool CountsAsActivity { get; }

    /// <summary>Already answered (timed out or failed), so it must not run.</summary>
    bool IsDone { get; }

    /// <summary>Work of this activation itself (a timer tick, a scheduled turn), never handed on to the next activation.</summary>
    bool IsBoundToActivation { get; }

    /// <summary>Begins the turn; the returned task completes when the turn ends.</summary>
    Task Start(GrainActivation activation);

    /// <summary>Ends the turn with the outcome of <paramref name="turn"/>.</summary>
    void Complete(GrainActivation activation, Task turn);

    /// <summary>Answers the caller with an error without running (or while running).</summary>
    void Fail(Exception exception);

    /// <summary>Answers the caller with a timeout when its deadline has passed.</summary>
    void FailIfExpired(long nowTimestamp);
}

internal enum TurnKind
{
    /// <summary>Runs alone: the default for grain methods and timer ticks.</summary>
    Exclusive,

    /// <summary>May run beside other read-only turns.</summary>
    ReadOnly,

    /// <summary>May run beside anything once the activation is valid.</summary>
    AlwaysInterleave,

    /// <summary>
    /// A turn the grain scheduled for itself: runs alone, except beside <c>[AlwaysInterleave]</c> calls, which by
    /// their contract touch no state a turn changes (so a room's committed messages are published while its
    /// next posts are already on their way to storage).
    /// </summary>
    Scheduled,

    /// <summary>Activation or deactivation: runs alone and before any queued call.</summary>
    Lifecycle,
}
