using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Silo.Messaging;
using GrainChat.Silo.Timers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Activation;

/// <summary>
/// One grain instance and its mailbox. Turns run one at a time in arrival order unless the method allows
/// interleaving; a turn lasts until the grain method's task completes, so awaiting I/O lets no other call in.
/// An idle activation runs a call inline on the caller's thread; otherwise a thread-pool work item drains the queue.
/// It is also the grain's <see cref="IGrainContext"/>.
/// </summary>
internal sealed partial class GrainActivation : IThreadPoolWorkItem, IGrainContext
{
    private const int MaxTurnsPerDrain = 256;

    private readonly object _lock = new();
    private readonly Queue<IActivationWorkItem> _queue = new();
    private readonly List<IActivationWorkItem> _running = new(1);
    private readonly Catalog _catalog;
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IActivationWorkItem? _lifecycleItem;
    private DeactivationReason? _deactivationRequest;
    private List<GrainTimer>? _timers;
    private ActivationStatus _status = ActivationStatus.Activating;
    private int _exclusiveRunning;
    private int _interleavingRunning;

    // Turns running now: those with a work item in _running, and inline calls still on their caller's thread, which
    // have none (counted apart from the list, so the inline path need not touch it).
    private int _turnsRunning;
    private bool _drainScheduled;
    private long _lastActivity = Environment.TickCount64;

    // Set by every call and turned into _lastActivity by the collector's sweep: reading a clock on every call was a
    // measurable share of a call's cost, and idle collection only needs the time to within one sweep.
    private bool _calledSinceSweep;
    private long _keepAliveUntil;

    public GrainActivation(GrainId id, GrainClassInfo grainClass, Catalog catalog, IServiceProvider services)
    {
        Id = id;
        GrainClass = grainClass;
        Services = services;
        _catalog = catalog;
    }

    public GrainId Id { get; }

    public GrainClassInfo GrainClass { get; }

    public IServiceProvider Services { get; }

    GrainId IGrainContext.GrainId => Id;

    IServiceProvider IGrainContext.ActivationServices => Services;

    IGrainFactory IGrainContext.GrainFactory => Services.GetRequiredService<IGrainFactory>();

    public Grain? Instance { get; private set; }

    public int QueueLength
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Accepts a work item; false when this activation is gone and the caller must look the grain up again.</summary>
    public bool TryEnqueue(IActivationWorkItem item)
    {
        bool runNow;
        lock (_lock)
        {
            if (_status == ActivationStatus.Invalid)
            {
                return false;
            }

            if (item.CountsAsActivity)
            {
                _calledSinceSweep = true;
            }

            runNow = CanStartNow(item.Kind);
            if (runNow)
            {
                MarkRunning(item);
            }
            else
            {
                _queue.Enqueue(item);
                ScheduleDrainIfRunnable();
            }
        }

        if (runNow)
        {
            RunInline(item);
        }

        return true;
    }

    /// <summary>
    /// Runs a call at once on the caller's thread when it could start now (the activation idle, nothing queued),
    /// without a request object: when the grain's task completes synchronously, as most calls do, the caller gets
    /// that task itself. A turn that goes asynchronous gets its request then, so it is timed and can time out like
    /// any other. False when the call must take the ordinary way (queue, activation, redirection).
    /// </summary>
    public bool TryRunInline<TResult>(MethodDispatcher<TResult> method, object?[] arguments, TimeSpan timeout, [NotNullWhen(true)] out Task? result)
    {
        var kind = method.TurnKind;
        lock (_lock)
        {
            if (!CanStartNow(kind))
            {
                result = null;
                return false;
            }

            _calledSinceSweep = true;
            AdjustRunning(kind, +1);
        }

        var started = method.Statistics.StartTimestamp();
        var turn = StartInline(method, arguments);
        if (turn.IsCompleted)
        {
            lock (_lock)
            {
                AdjustRunning(kind, -1);
                TryBeginDeactivation();
                ScheduleDrainIfRunnable();
            }

            method.Statistics.Record(started, failed: !turn.IsCompletedSuccessfully);
            result = turn;
            return true;
        }

        // The grain awaits something: from here on the same turn is tracked by a request, like a queued call's.
        var request = new GrainRequest<TResult>(method, arguments, timeout, inlineStart: started);
        lock (_lock)
        {
            _running.Add(request);
        }

        EndTurnWhenDone(request, turn);
        result = request.Task;
        return true;
    }

    public void ScheduleActivation()
    {
        lock (_lock)
        {
            _lifecycleItem = new ActivateWorkItem();
            ScheduleDrainIfRunnable();
        }
    }

    /// <summary>Deactivates after the running turn (and, for shutdown, after the queued calls).</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        lock (_lock)
        {
            _deactivationRequest ??= reason;
            TryBeginDeactivation();
        }
    }

    public Task DeactivateAsync(DeactivationReason reason)
    {
        RequestDeactivation(reason);
        return _deactivated.Task;
    }

    /// <summary>
    /// Starts idle collection when nothing has arrived for <paramref name="idleAge"/> (known to within one sweep, so
    /// never early) and nothing is running or queued.
    /// </summary>
    public void CollectIfIdle(TimeSpan idleAge)
    {
        lock (_lock)
        {
            var now = Environment.TickCount64;
            if (_calledSinceSweep)
            {
                _calledSinceSweep = false;
                _lastActivity = now;
            }

            if (_status == ActivationStatus.Valid && _turnsRunning == 0 && _queue.Count == 0 && _lifecycleItem is null
                && now - _lastActivity >= (long)idleAge.TotalMilliseconds && now >= _keepAliveUntil)
            {
                _deactivationRequest ??= new DeactivationReason(DeactivationReasonCode.IdleCollection, $"Idle for more than {idleAge}");
                TryBeginDeactivation();
            }
        }
    }

    /// <summary>Answers, with a timeout, every call whose deadline has passed (queued or running).</summary>
    public void ExpireRequests(long nowTimestamp)
    {
        lock (_lock)
        {
            foreach (var item in _queue)
            {
                item.FailIfExpired(nowTimestamp);
            }

            foreach (var item in _running)
            {
                item.FailIfExpired(nowTimestamp);
            }
        }
    }

    public void DelayDeactivation(TimeSpan timeSpan)
    {
        lock (_lock)
        {
            _keepAliveUntil = timeSpan <= TimeSpan.Zero ? 0
                : timeSpan >= TimeSpan.FromDays(10_000) ? long.MaxValue
                : Environment.TickCount64 + (long)timeSpan.TotalMilliseconds;
        }
    }

    IStreamProvider IGrainContext.GetStreamProvider(string name) => Services.GetRequiredKeyedService<IStreamProvider>(name);

    void IGrainContext.Deactivate(DeactivationReason reason) => RequestDeactivation(reason);

    bool IGrainContext.ScheduleTurn(Func<Task> turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return TryEnqueue(new ScheduledTurnWorkItem(turn, _catalog.Metrics));
    }

    public IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new GrainTimer(this, callback, period);
        lock (_lock)
        {
            if (_status is ActivationStatus.Deactivating or ActivationStatus.Invalid)
            {
                throw new InvalidOperationException($"{Id} is deactivating; timers cannot be registered.");
            }

            (_timers ??= []).Add(timer);
        }

        timer.Start(dueTime);
        return timer;
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (_lock)
        {
            _timers?.Remove(timer);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        for (var turns = 0; ; turns++)
        {
            IActivationWorkItem? item;
            lock (_lock)
            {
                item = turns < MaxTurnsPerDrain ? TakeNextRunnable() : null;
                if (item is null)
                {
                    _drainScheduled = false;
                    if (turns >= MaxTurnsPerDrain)
                    {
                        // Yield the thread to other activations, then continue.
                        ScheduleDrainIfRunnable();
                    }

                    return;
                }
            }

            RunTurn(item);
        }
    }

    internal void ReportScheduledTurnFailure(Exception exception) => LogScheduledTurnFailed(_catalog.ActivationLogger, exception, Id);

    internal void ReportDeactivationFailure(Exception? exception) => LogDeactivationFailed(_catalog.ActivationLogger, exception, Id);

    /// <summary>The call timeout, which also bounds <c>OnActivateAsync</c> and <c>OnDeactivateAsync</c>.</summary>
    internal TimeSpan CallTimeout => _catalog.CallTimeout;

    internal void SetInstance(Grain instance)
    {
        instance.Attach(this);
        Instance = instance;
    }

    private void RunInline(IActivationWorkItem item)
    {
        using var _ = CallerContext.Suspend();
        RunTurn(item);
    }

    private void RunTurn(IActivationWorkItem item)
    {
        Task turn;
        try
        {
            turn = item.Start(this);
        }
        catch (Exception exception)
        {
            turn = Task.FromException(exception);
        }

        if (turn.IsCompleted)
        {
            EndTurn(item, turn);
        }
        else
        {
            EndTurnWhenDone(item, turn);
        }
    }

    private Task StartInline<TResult>(MethodDispatcher<TResult> method, object?[] arguments)
    {
        using var _ = CallerContext.Suspend();
        try
        {
            return method.Invoker(Instance!, arguments);
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }
    }

    private void EndTurnWhenDone(IActivationWorkItem item, Task turn) =>
        turn.ContinueWith(
            static (completed, state) =>
            {
                var (activation, workItem) = ((GrainActivation, IActivationWorkItem))state!;
                activation.EndTurn(workItem, completed);
            },
            (this, item),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private void EndTurn(IActivationWorkItem item, Task turn)
    {
        item.Complete(this, turn);
        lock (_lock)
        {
            _running.Remove(item);
            AdjustRunning(item.Kind, -1);
            TryBeginDeactivation();
            ScheduleDrainIfRunnable();
        }
    }

    // Called by the activation work item when the grain is ready (or failed to become ready).
    internal void OnActivated(Exception? failure)
    {
        if (failure is null)
        {
            lock (_lock)
            {
                _status = ActivationStatus.Valid;
                _lifecycleItem = null;
                TryBeginDeactivation();
            }

            return;
        }

        // A failed activation is discarded and every waiting call gets the failure; the next call tries afresh.
        _catalog.Remove(this);
        IActivationWorkItem[] waiting;
        lock (_lock)
        {
            _status = ActivationStatus.Invalid;
            _lifecycleItem = null;
            waiting = [.. _queue];
            _queue.Clear();
        }

        DisposeTimers();
        foreach (var item in waiting)
        {
            item.Fail(failure);
        }

        _deactivated.TrySetResult();
    }

    internal IReadOnlyList<GrainTimer> TakeTimers()
    {
        lock (_lock)
        {
            var timers = _timers ?? [];
            _timers = null;
            return timers;
        }
    }

    internal DeactivationReason CurrentDeactivationReason
    {
        get
        {
            lock (_lock)
            {
                return _deactivationRequest ?? default;
            }
        }
    }

    // Called by the deactivation work item after OnDeactivateAsync: calls that arrived meanwhile go to a new activation.
    internal void OnDeactivated()
    {
        var runtime = _catalog.Runtime;
        _catalog.Remove(this);
        IActivationWorkItem[] waiting;
        lock (_lock)
        {
            _status = ActivationStatus.Invalid;
            _lifecycleItem = null;
            waiting = [.. _queue];
            _queue.Clear();
        }

        Instance = null;

        // Calls go on to the next activation; work bound to this one (ticks, scheduled turns) ends with it.
        foreach (var item in waiting.Where(i => !i.IsDone && !i.IsBoundToActivation))
        {
            runtime.Redispatch(Id, GrainClass, item);
        }

        _deactivated.TrySetResult();
    }

    private void DisposeTimers()
    {
        foreach (var timer in TakeTimers())
        {
            timer.Dispose();
        }
    }

    private void TryBeginDeactivation()
    {
        if (_deactivationRequest is not { } reason || _status != ActivationStatus.Valid)
        {
            return;
        }

        // Shutdown lets queued calls finish; other reasons deactivate after the current turn. A queued call already
        // answered (it timed out) has nothing left to finish: counting it would wait for ever, as nothing runs it.
        DropAnsweredAtHead();
        if (reason.Code == DeactivationReasonCode.ShuttingDown && _queue.Count > 0)
        {
            return;
        }

        _status = ActivationStatus.Deactivating;
        _lifecycleItem = new DeactivateWorkItem();
        ScheduleDrainIfRunnable();
    }

    private void ScheduleDrainIfRunnable()
    {
        if (_drainScheduled || PeekNextRunnable() is null)
        {
            return;
        }

        _drainScheduled = true;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private IActivationWorkItem? PeekNextRunnable()
    {
        if (_lifecycleItem is not null)
        {
            if (_turnsRunning > 0)
            {
                return null;
            }

            // Before the last turn, the turns the grain scheduled for itself still run (a storage writer's
            // callbacks for calls that have already been answered); calls wait for the next activation.
            return _status == ActivationStatus.Deactivating && _queue.FirstOrDefault(i => i.Kind == TurnKind.Scheduled) is { } scheduled
                ? scheduled
                : _lifecycleItem;
        }

        DropAnsweredAtHead();
        return _queue.TryPeek(out var next) && CanStart(next.Kind) ? next : null;
    }

    private void DropAnsweredAtHead()
    {
        while (_queue.TryPeek(out var head) && head.IsDone)
        {
            _queue.Dequeue();
        }
    }

    private IActivationWorkItem? TakeNextRunnable()
    {
        var next = PeekNextRunnable();
        if (next is null)
        {
            return null;
        }

        if (ReferenceEquals(next, _lifecycleItem))
        {
            _lifecycleItem = null;
        }
        else if (ReferenceEquals(next, _queue.Peek()))
        {
            _queue.Dequeue();
        }
        else
        {
            RemoveFromQueue(next);
        }

        MarkRunning(next);
        return next;
    }

    private void RemoveFromQueue(IActivationWorkItem item)
    {
        var remaining = _queue.Where(i => !ReferenceEquals(i, item)).ToArray();
        _queue.Clear();
        foreach (var other in remaining)
        {
            _queue.Enqueue(other);
        }
    }

    // Nothing waiting: an interleaving call starts at once, an ordinary one when the activation is idle. Once a
    // call waits, later ones (interleaving too) queue behind it, so a steady stream of interleaving calls cannot
    // starve an ordinary one. While a drain runs, the call it has just taken may not have started yet: a call
    // arriving then queues too, so calls made one after another start in that order.
    private bool CanStartNow(TurnKind kind) =>
        _lifecycleItem is null && _queue.Count == 0 && !_drainScheduled && CanStart(kind);

    private bool CanStart(TurnKind kind)
    {
        if (kind == TurnKind.Lifecycle || (kind == TurnKind.Scheduled && _status == ActivationStatus.Deactivating))
        {
            return _turnsRunning == 0;
        }

        if (_status != ActivationStatus.Valid)
        {
            return false;
        }

        return kind switch
        {
            TurnKind.AlwaysInterleave => true,
            TurnKind.ReadOnly => _exclusiveRunning == 0,
            TurnKind.Scheduled => _turnsRunning == _interleavingRunning,
            _ => _turnsRunning == 0,
        };
    }

    private void MarkRunning(IActivationWorkItem item)
    {
        _running.Add(item);
        AdjustRunning(item.Kind, +1);
    }

    private void AdjustRunning(TurnKind kind, int change)
    {
        _turnsRunning += change;
        if (kind is TurnKind.Exclusive or TurnKind.Lifecycle or TurnKind.Scheduled)
        {
            _exclusiveRunning += change;
        }
        else if (kind == TurnKind.AlwaysInterleave)
        {
            _interleavingRunning += change;
        }
    }

    private enum ActivationStatus
    {
        Activating,
        Valid,
        Deactivating,
        Invalid,
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OnDeactivateAsync of {GrainId} failed; the activation is removed anyway")]
    private static partial void LogDeactivationFailed(ILogger logger, Exception? exception, GrainId grainId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A scheduled turn of {GrainId} failed")]
    private static partial void LogScheduledTurnFailed(ILogger logger, Exception exception, GrainId grainId);
}
