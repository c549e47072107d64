using GrainChat.Runtime.Streams;

namespace GrainChat.Runtime;

/// <summary>
/// Base class of every grain (Orleans: <c>Grain</c>). One activation per grain id runs one turn at a time;
/// constructor parameters come from dependency injection and <see cref="PersistentStateAttribute"/>.
/// </summary>
public abstract class Grain
{
    private IGrainContext? _context;

    /// <summary>The activation this grain instance belongs to (Orleans: <c>IGrainBase.GrainContext</c>).</summary>
    protected IGrainContext GrainContext =>
        _context ?? throw new InvalidOperationException("The grain is not attached to an activation yet; use OnActivateAsync rather than the constructor.");

    /// <summary>The key this grain was activated for (Orleans: <c>this.GetPrimaryKeyString()</c>).</summary>
    public string GrainKey => GrainContext.GrainId.Key;

    public GrainId GrainId => GrainContext.GrainId;

    protected IGrainFactory GrainFactory => GrainContext.GrainFactory;

    protected IServiceProvider ServiceProvider => GrainContext.ActivationServices;

    /// <summary>Runs after state is loaded and before the first call is delivered.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs as the activation's last turn; timers are already stopped.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called by the runtime, once, before <see cref="OnActivateAsync"/>.</summary>
    internal void Attach(IGrainContext context) =>
        _context = _context is null ? context : throw new InvalidOperationException("The grain is already attached to an activation.");

    /// <summary>Deactivates this activation once the current turn ends; later calls get a new one.</summary>
    protected void DeactivateOnIdle() => GrainContext.Deactivate(
        new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called"));

    /// <summary>
    /// Keeps this activation from idle collection for at least <paramref name="timeSpan"/> from now
    /// (<see cref="TimeSpan.MaxValue"/>: until cancelled); zero or negative cancels an earlier delay.
    /// </summary>
    protected void DelayDeactivation(TimeSpan timeSpan) => GrainContext.DelayDeactivation(timeSpan);

    /// <summary>
    /// Starts a timer whose ticks are turns of this activation: a tick never overlaps a call, and the period
    /// counts from the end of the previous tick. Stopped by disposing of it or by deactivation.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return GrainContext.RegisterTimer(callback, dueTime, period);
    }

    protected IStreamProvider GetStreamProvider(string name) => GrainContext.GetStreamProvider(name);
}
