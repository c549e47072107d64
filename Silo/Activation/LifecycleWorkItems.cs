using GrainChat.Silo.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using GrainChat.Silo.Hosting;

namespace GrainChat.Silo.Activation;

/// <summary>The first turn of an activation: construct the grain, load its state, run <c>OnActivateAsync</c>.</summary>
internal sealed class ActivateWorkItem : IActivationWorkItem
{
    public TurnKind Kind => TurnKind.Lifecycle;

    public bool CountsAsActivity => false;

    public bool IsDone => false;


    public bool IsBoundToActivation => false;

    public async Task Start(GrainActivation activation)
    {
        var activator = activation.Services.GetRequiredService<GrainActivator>();
        var timeout = activation.Services.GetRequiredService<IOptions<SiloOptions>>().Value.CallTimeout;
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await activator.ActivateAsync(activation, cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The calls waiting for this activation get what any call past its deadline gets, not a cancellation.
            throw new TimeoutException($"Activating {activation.Id} took longer than the call timeout ({timeout}).");
        }
    }

    public void Complete(GrainActivation activation, Task turn) =>
        activation.OnActivated(turn.IsCompletedSuccessfully ? null : turn.Exception?.InnerException ?? new TaskCanceledException(turn));

    public void Fail(Exception exception)
    {
    }

    public void FailIfExpired(long nowTimestamp)
    {
    }
}

/// <summary>The last turn of an activation: stop timers, run <c>OnDeactivateAsync</c>, hand waiting calls to a new activation.</summary>
internal sealed class DeactivateWorkItem : IActivationWorkItem
{
    public TurnKind Kind => TurnKind.Lifecycle;

    public bool CountsAsActivity => false;

    public bool IsDone => false;


    public bool IsBoundToActivation => false;

    public async Task Start(GrainActivation activation)
    {
        foreach (var timer in activation.TakeTimers())
        {
            timer.Dispose();
        }

        if (activation.Instance is { } grain)
        {
            var timeout = activation.Services.GetRequiredService<IOptions<SiloOptions>>().Value.CallTimeout;
            using var cancellation = new CancellationTokenSource(timeout);
            await grain.OnDeactivateAsync(activation.CurrentDeactivationReason, cancellation.Token).ConfigureAwait(false);
        }
    }

    public void Complete(GrainActivation activation, Task turn)
    {
        if (!turn.IsCompletedSuccessfully)
        {
            var logger = activation.Services.GetRequiredService<ILogger<DeactivateWorkItem>>();
            logger.LogWarning(turn.Exception?.InnerException, "OnDeactivateAsync of {GrainId} failed; the activation is removed anyway", activation.Id);
        }

        activation.OnDeactivated(activation.Services.GetRequiredService<GrainRuntime>());
    }

    public void Fail(Exception exception)
    {
    }

    public void FailIfExpired(long nowTimestamp)
    {
    }
}
