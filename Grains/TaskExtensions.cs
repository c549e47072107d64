namespace GrainChat.Grains;

internal static class TaskExtensions
{
    /// <summary>Lets a call run on without waiting for it, observing its failure so it is never an unobserved exception.</summary>
    public static void Forget(this Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
