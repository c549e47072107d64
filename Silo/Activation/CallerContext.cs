namespace GrainChat.Silo.Activation;

/// <summary>
/// Lifts the caller's synchronization context (a UI's or a test runner's) while a grain turn starts on the
/// caller's thread, so that the grain's continuations do not run on it; restored on dispose.
/// </summary>
internal readonly struct CallerContext : IDisposable
{
    private readonly SynchronizationContext? _suspended;

    private CallerContext(SynchronizationContext? suspended) => _suspended = suspended;

    public static CallerContext Suspend()
    {
        var current = SynchronizationContext.Current;
        if (current is not null)
        {
            SynchronizationContext.SetSynchronizationContext(null);
        }

        return new CallerContext(current);
    }

    public void Dispose()
    {
        if (_suspended is not null)
        {
            SynchronizationContext.SetSynchronizationContext(_suspended);
        }
    }
}
