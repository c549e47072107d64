using GrainChat.Runtime.Streams;

namespace GrainChat.Runtime;

/// <summary>
/// What a grain sees of its activation (Orleans: <c>IGrainContext</c>): its identity and services, and the
/// runtime operations that act on this activation. The silo implements it; grains reach it through
/// <see cref="Grain"/>.
/// </summary>
public interface IGrainContext
{
    GrainId GrainId { get; }

    IServiceProvider ActivationServices { get; }

    IGrainFactory GrainFactory { get; }

    IStreamProvider GetStreamProvider(string name);

    /// <summary>Deactivates once the running turn ends.</summary>
    void Deactivate(DeactivationReason reason);

    /// <summary>See <see cref="Grain"/>'s <c>DelayDeactivation</c>.</summary>
    void DelayDeactivation(TimeSpan timeSpan);

    IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period);

    /// <summary>
    /// Queues <paramref name="turn"/> as a turn of this activation, behind the work already queued. It runs alone,
    /// except beside <see cref="AlwaysInterleaveAttribute"/> calls (which touch no state a turn changes).
    /// Callable from any thread: it is how something outside a turn (a storage writer's callback, say) hands
    /// work to the grain without touching its state itself. Turns queued from one thread run in that order,
    /// and those queued before a deactivation begins still run before it. Returns false, and queues nothing,
    /// when the activation is gone.
    /// </summary>
    bool ScheduleTurn(Func<Task> turn);
}
