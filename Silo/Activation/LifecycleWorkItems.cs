using Microsoft.Extensions.DependencyInjection;

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
        var timeout = activation.CallTimeout;
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
            using var cancellation = new CancellationTokenSource(activation.CallTimeout);
            await grain.OnDeactivateAsync(activation.CurrentDeactivationReason, cancellation.Token).ConfigureAwait(false);
        }
    }

    public void Complete(GrainActivation activation, Task turn)
    {
        if (!turn.IsCompletedSuccessfully)
        {
            activation.ReportDeactivationFailure(turn.Exception?.InnerException);
        }

        activation.OnDeactivated();
    }

    public void Fail(Exception exception)
    {
    }

    public void FailIfExpired(long nowTimestamp)
    {
    }
}
