namespace GrainChat.Silo.Activation;

/// <summary>
/// A turn the grain asked for through <c>IGrainContext.ScheduleTurn</c>: it excludes every other turn but
/// <c>[AlwaysInterleave]</c> calls (see <see cref="TurnKind.Scheduled"/>), is bound to this activation and answers
/// nobody, so a failure is logged.
/// </summary>
internal sealed class ScheduledTurnWorkItem(Func<Task> turn) : IActivationWorkItem
{
    public TurnKind Kind => TurnKind.Scheduled;

    public bool CountsAsActivity => true;

    public bool IsDone => false;

    public bool IsBoundToActivation => true;

    public Task Start(GrainActivation activation) => turn();

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
