using System.Diagnostics;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Silo.Messaging;

/// <summary>A call to a grain method. It is its own completion source, so a call costs one allocation besides its arguments.</summary>
internal sealed class GrainRequest<TResult> : TaskCompletionSource<TResult>, IActivationWorkItem, IForwardableRequest
{
    private readonly MethodDispatcher<TResult> _method;
    private readonly object?[] _arguments;
    private readonly long _timedStart;
    private readonly long _deadlineTimestamp;
    private readonly TimeSpan _timeout;

    /// <param name="inlineStart">
    /// For a call that began inline: its start timestamp from <see cref="MethodStatistics.StartTimestamp"/>
    /// (which may be <see cref="MethodStatistics.NotTimed"/>). Null for a call that starts now.
    /// </param>
    public GrainRequest(MethodDispatcher<TResult> method, object?[] arguments, TimeSpan timeout, long? inlineStart = null)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _method = method;
        _arguments = arguments;
        _timeout = timeout;
        _timedStart = inlineStart ?? method.Statistics.StartTimestamp();
        var start = _timedStart != MethodStatistics.NotTimed ? _timedStart : Stopwatch.GetTimestamp();
        _deadlineTimestamp = start + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        Kind = method.TurnKind;
    }

    public TurnKind Kind { get; }

    public bool CountsAsActivity => true;

    public bool IsDone => Task.IsCompleted;


    public bool IsBoundToActivation => false;

    public Task Start(GrainActivation activation) => _method.Invoker(activation.Instance!, _arguments);

    public void Complete(GrainActivation activation, Task turn)
    {
        bool answered;
        if (turn.IsCompletedSuccessfully)
        {
            answered = TrySetResult(_method.HasResult ? ((Task<TResult>)turn).Result : default!);
        }
        else if (turn.IsCanceled)
        {
            answered = TrySetCanceled();
        }
        else
        {
            var exception = turn.Exception!;
            answered = exception.InnerExceptions.Count == 1
                ? TrySetException(exception.InnerExceptions[0])
                : TrySetException(exception.InnerExceptions);
        }

        if (answered)
        {
            _method.Statistics.Record(_timedStart, failed: !turn.IsCompletedSuccessfully);
        }
    }

    public void Fail(Exception exception)
    {
        if (TrySetException(exception))
        {
            _method.Statistics.Record(_timedStart, failed: true);
        }
    }

    /// <summary>Sends the call to another silo with what is left of its time; its answer completes this request.</summary>
    public void ForwardTo(ClusterRouter router, Cluster.SiloAddress owner, GrainId grainId)
    {
        var remaining = TimeSpan.FromSeconds((double)(_deadlineTimestamp - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
        router.InvokeRemoteAsync(owner, grainId, _method, _arguments, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), hops: 0)
            .ContinueWith(
                static (answer, state) =>
                {
                    var request = (GrainRequest<TResult>)state!;
                    if (answer.IsCompletedSuccessfully)
                    {
                        request.TrySetResult(answer.Result);
                    }
                    else
                    {
                        request.Fail(answer.Exception?.InnerException ?? new TaskCanceledException());
                    }
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
    }

    public void FailIfExpired(long nowTimestamp)
    {
        if (nowTimestamp >= _deadlineTimestamp && !IsDone)
        {
            Fail(new TimeoutException(
                $"Response did not arrive on time in {_timeout} for {_method.GrainClass.ClassType.Name}.{_method.Name}; the grain may be busy with a call cycle or a slow turn."));
        }
    }
}

/// <summary>A call that can be sent on to another silo, when the grain turns out to live there now.</summary>
internal interface IForwardableRequest
{
    void ForwardTo(ClusterRouter router, Cluster.SiloAddress owner, GrainId grainId);
}
