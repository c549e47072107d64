using System.Diagnostics;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Silo.Activation;

/// <summary>
/// A turn the grain asked for through <c>IGrainContext.ScheduleTurn</c>: it excludes every other turn but
/// <c>[AlwaysInterleave]</c> calls (see <see cref="TurnKind.Scheduled"/>), is bound to this activation and answers
/// nobody, so a failure is logged. Its wait for the activation and the thread pool is measured
/// (<c>grainchat.silo.scheduled_turn_wait</c>): a room publishes each stored message in such a turn.
/// </summary>
internal sealed class ScheduledTurnWorkItem(Func<Task> turn, SiloMetrics metrics) : IActivationWorkItem
{
    private readonly long _scheduled = metrics.ScheduledTurnWaitEnabled ? Stopwatch.GetTimestamp() : 0;

    public TurnKind Kind => TurnKind.Scheduled;

    public bool CountsAsActivity => true;

    public bool IsDone => false;

    public bool IsBoundToActivation => true;

    public Task Start(GrainActivation activation)
    {
        if (_scheduled != 0)
        {
            metrics.RecordScheduledTurnWait(Stopwatch.GetElapsedTime(_scheduled));
        }

        return turn();
    }

    public void Complete(GrainActivation activation, Task turn)
    {
        if (turn.IsFaulted)
        {
            activation.ReportScheduledTurnFailure(turn.Exception.InnerException ?? turn.Exception);
        }
    }

    public void Fail(Exception exception)
    {
    }

    public void FailIfExpired(long nowTimestamp)
    {
    }
}
