using GrainChat.Runtime;
using GrainChat.Silo.Activation;

namespace GrainChat.Silo.Timers;

/// <summary>
/// Each tick is queued as an exclusive turn of its activation; the next tick is scheduled only after the previous
/// one has finished, so ticks never pile up. Ticks do not count as activity for idle collection.
/// </summary>
internal sealed class GrainTimer : IGrainTimer
{
    private readonly GrainActivation _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly Timer _timer;
    private readonly CancellationTokenSource _disposed = new();
    private readonly TimeSpan _period;

    public GrainTimer(GrainActivation activation, Func<CancellationToken, Task> callback, TimeSpan period)
    {
        _activation = activation;
        _callback = callback;
        _period = period;
        _timer = new Timer(static state => ((GrainTimer)state!).OnDue(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public bool IsDisposed => _disposed.IsCancellationRequested;

    public void Start(TimeSpan dueTime) => Reschedule(dueTime);

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _timer.Dispose();
        _activation.RemoveTimer(this);
    }

    private void OnDue()
    {
        if (!IsDisposed && !_activation.TryEnqueue(new TickWorkItem(this)))
        {
            Dispose();
        }
    }

    private void Reschedule(TimeSpan dueTime)
    {
        if (IsDisposed)
        {
            return;
        }

        try
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the change: nothing more to schedule.
        }
    }

    private sealed class TickWorkItem(GrainTimer timer) : IActivationWorkItem
    {
        public TurnKind Kind => TurnKind.Exclusive;

        public bool CountsAsActivity => false;

        public bool IsDone => timer.IsDisposed;


        public bool IsBoundToActivation => true;

        public Task Start(GrainActivation activation) => timer._callback(timer._disposed.Token);

        public void Complete(GrainActivation activation, Task turn)
        {
            if (timer._period > TimeSpan.Zero && timer._period != Timeout.InfiniteTimeSpan)
            {
                timer.Reschedule(timer._period);
            }
        }

        public void Fail(Exception exception)
        {
        }

        public void FailIfExpired(long nowTimestamp)
        {
        }
    }
}
