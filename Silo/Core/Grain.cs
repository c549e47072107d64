using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Timers;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Silo;

/// <summary>
/// Base class of every grain (Orleans: <c>Grain</c>). One activation per grain id runs one turn at a time;
/// constructor parameters come from dependency injection and <see cref="PersistentStateAttribute"/>.
/// </summary>
public abstract class Grain
{
    private GrainActivation? _activation;

    internal GrainActivation Activation =>
        _activation ?? throw new InvalidOperationException("The grain is not attached to an activation yet; use OnActivateAsync rather than the constructor.");

    /// <summary>The key this grain was activated for (Orleans: <c>this.GetPrimaryKeyString()</c>).</summary>
    public string GrainKey => Activation.Id.Key;

    public GrainId GrainId => Activation.Id;

    protected IGrainFactory GrainFactory => Activation.Services.GetRequiredService<IGrainFactory>();

    protected IServiceProvider ServiceProvider => Activation.Services;

    internal void Attach(GrainActivation activation) => _activation = activation;

    /// <summary>Runs after state is loaded and before the first call is delivered.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs as the activation's last turn; timers are already stopped.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation once the current turn ends; later calls get a new one.</summary>
    protected void DeactivateOnIdle() => Activation.RequestDeactivation(
        new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called"));

    /// <summary>
    /// Keeps this activation from idle collection for at least <paramref name="timeSpan"/> from now
    /// (<see cref="TimeSpan.MaxValue"/>: until cancelled); zero or negative cancels an earlier delay.
    /// </summary>
    protected void DelayDeactivation(TimeSpan timeSpan) => Activation.DelayDeactivation(timeSpan);

    /// <summary>
    /// Starts a timer whose ticks are turns of this activation: a tick never overlaps a call, and the period
    /// counts from the end of the previous tick. Stopped by disposing of it or by deactivation.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Activation.RegisterTimer(callback, dueTime, period);
    }

    /// <summary>Orleans' older timer shape: a callback with a state object.</summary>
    protected IDisposable RegisterTimer(Func<object?, Task> callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Activation.RegisterTimer(_ => callback(state), dueTime, period);
    }

    protected IStreamProvider GetStreamProvider(string name) =>
        Activation.Services.GetRequiredKeyedService<IStreamProvider>(name);
}
