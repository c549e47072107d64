namespace GrainChat.Gateway.Realtime;

/// <summary>
/// Runs one connection's hub invocations in the order it sent them while letting its sends overlap. An
/// overlapping invocation (a send) starts once every earlier one has started its grain call, so it reaches
/// the grain after them, and is released for the next one as soon as its own synchronous part is done: a
/// client's pipelined sends to a room then wait for their commits together instead of one after another.
/// Any other invocation is exclusive: it starts once every earlier one has finished, and nothing after it starts
/// before it finishes, which is how each method behaved when a connection ran one invocation at a time.
/// </summary>
/// <remarks>
/// An overlapping invocation must issue its grain call before its first real await; otherwise a later one could
/// overtake it. Invocations arrive here one after another (SignalR starts a connection's invocations in
/// order); one that cannot start yet waits in a queue, and the invocation that frees it starts it.
/// </remarks>
internal sealed class InvocationSequence
{
    private readonly Lock _lock = new();
    private Queue<Waiter>? _waiting;
    private int _running;
    private bool _starting;
    private bool _exclusiveRunning;

    /// <summary>How many invocations have started and not finished yet.</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    public ValueTask<TResult> RunAsync<TState, TResult>(bool overlapping, Func<TState, ValueTask<TResult>> invoke, TState state)
    {
        TaskCompletionSource? admitted = null;
        lock (_lock)
        {
            if (_waiting is not { Count: > 0 } && CanStart(overlapping))
            {
                Start(overlapping);
            }
            else
            {
                admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                (_waiting ??= new()).Enqueue(new Waiter(overlapping, admitted));
            }
        }

        return admitted is not null ? RunWhenStartedAsync(admitted.Task, overlapping, invoke, state)
            : overlapping ? RunOverlapping(invoke, state)
            : RunExclusive(invoke, state);
    }

    private async ValueTask<TResult> RunWhenStartedAsync<TState, TResult>(Task admitted, bool overlapping, Func<TState, ValueTask<TResult>> invoke, TState state)
    {
        await admitted.ConfigureAwait(false);
        return await (overlapping ? RunOverlapping(invoke, state) : RunExclusive(invoke, state)).ConfigureAwait(false);
    }

    private ValueTask<TResult> RunOverlapping<TState, TResult>(Func<TState, ValueTask<TResult>> invoke, TState state)
    {
        ValueTask<TResult> pending;
        try
        {
            pending = invoke(state);
        }
        catch
        {
            Started();
            Finished(exclusive: false);
            throw;
        }

        Started();
        if (pending.IsCompleted)
        {
            Finished(exclusive: false);
            return pending;
        }

        return FinishWhenDoneAsync(pending, exclusive: false);
    }

    private ValueTask<TResult> RunExclusive<TState, TResult>(Func<TState, ValueTask<TResult>> invoke, TState state)
    {
        ValueTask<TResult> pending;
        try
        {
            pending = invoke(state);
        }
        catch
        {
            Finished(exclusive: true);
            throw;
        }

        if (pending.IsCompleted)
        {
            Finished(exclusive: true);
            return pending;
        }

        return FinishWhenDoneAsync(pending, exclusive: true);
    }

    private async ValueTask<TResult> FinishWhenDoneAsync<TResult>(ValueTask<TResult> pending, bool exclusive)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            Finished(exclusive);
        }
    }

    private bool CanStart(bool overlapping) =>
        !_starting && !_exclusiveRunning && (overlapping || _running == 0);

    private void Start(bool overlapping)
    {
        _running++;
        if (overlapping)
        {
            _starting = true;
        }
        else
        {
            _exclusiveRunning = true;
        }
    }

    /// <summary>The overlapping invocation has issued its call: the next one may start.</summary>
    private void Started()
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            _starting = false;
            next = StartNextWaiting();
        }

        next?.SetResult();
    }

    private void Finished(bool exclusive)
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            _running--;
            if (exclusive)
            {
                _exclusiveRunning = false;
            }

            next = StartNextWaiting();
        }

        next?.SetResult();
    }

    // At most one waiter starts at a time: an overlapping one holds the rest until it has issued its call, and an
    // exclusive one until it has finished.
    private TaskCompletionSource? StartNextWaiting()
    {
        if (_waiting is not { Count: > 0 } || !CanStart(_waiting.Peek().Overlapping))
        {
            return null;
        }

        var next = _waiting.Dequeue();
        Start(next.Overlapping);
        return next.Admitted;
    }

    private readonly record struct Waiter(bool Overlapping, TaskCompletionSource Admitted);
}
