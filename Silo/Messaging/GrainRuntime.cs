using System.Diagnostics.CodeAnalysis;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster;
using GrainChat.Silo.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Messaging;

/// <summary>
/// Routes requests to activations, creating them on demand (Orleans: the runtime client and dispatcher); in a
/// cluster, calls to grains another silo owns go there instead.
/// </summary>
internal sealed partial class GrainRuntime(Catalog catalog, IOptions<SiloOptions> options, ILogger<GrainRuntime> logger, ClusterRouter? cluster = null)
{
    private readonly TimeSpan _callTimeout = options.Value.CallTimeout;
    private readonly ILogger _logger = logger;

    /// <summary>
    /// Makes a call; the task is the grain's own when the call ran inline and completed at once (a Task&lt;TResult&gt;
    /// for methods with a result), else the request's.
    /// </summary>
    public Task Invoke<TResult>(GrainProxy proxy, MethodDispatcher<TResult> method, object?[] arguments) =>
        TryRouteElsewhere(proxy, method, arguments, out var routed) ? routed
        : proxy.LastActivation is { } activation && activation.TryRunInline(method, arguments, _callTimeout, out var inline) ? inline
        : Enqueue(proxy, method, arguments);

    public Task<TResult> InvokeAsync<TResult>(GrainProxy proxy, MethodDispatcher<TResult> method, object?[] arguments) =>
        TryRouteElsewhere(proxy, method, arguments, out var routed) ? routed : Enqueue(proxy, method, arguments);

    private bool TryRouteElsewhere<TResult>(GrainProxy proxy, MethodDispatcher<TResult> method, object?[] arguments, [NotNullWhen(true)] out Task<TResult>? routed)
    {
        if (cluster is not null && cluster.TryRouteElsewhere(proxy, method, arguments, _callTimeout, out routed))
        {
            proxy.LastActivation = null;
            return true;
        }

        routed = null;
        return false;
    }

    private Task<TResult> Enqueue<TResult>(GrainProxy proxy, MethodDispatcher<TResult> method, object?[] arguments)
    {
        var request = new GrainRequest<TResult>(method, arguments, _callTimeout);
        if (proxy.LastActivation?.TryEnqueue(request) != true)
        {
            proxy.LastActivation = Dispatch(proxy.GrainId, method.GrainClass, request);
        }

        return request.Task;
    }

    /// <summary>Logs the failure of a one-way call, which has no caller to receive it.</summary>
    public void ObserveOneWay(Task call, MethodDispatcher method) =>
        call.ContinueWith(
            static (failed, state) =>
            {
                var (runtime, method) = ((GrainRuntime, MethodDispatcher))state!;
                LogOneWayFailed(runtime._logger, failed.Exception!.InnerException, method.GrainClass.ClassType.Name, method.Name);
            },
            (this, method),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>
    /// Hands on a call that waited for an activation that has gone: to the grain's owner, which in a cluster may
    /// now be another silo (the activation went because its grain moved).
    /// </summary>
    public void Redispatch(GrainId grainId, GrainClassInfo grainClass, IActivationWorkItem item)
    {
        if (cluster is null || !cluster.TryForward(grainId, grainClass, item))
        {
            Dispatch(grainId, grainClass, item);
        }
    }

    /// <summary>
    /// Delivers a work item to the grain's activation on this silo, following it to a new one when the old one was
    /// just removed. Returns the activation that took the item, or null when the item was failed instead.
    /// </summary>
    public GrainActivation? Dispatch(GrainId grainId, GrainClassInfo grainClass, IActivationWorkItem item)
    {
        while (true)
        {
            GrainActivation activation;
            try
            {
                activation = catalog.GetOrCreate(grainId, grainClass);
            }
            catch (Exception exception)
            {
                item.Fail(exception);
                return null;
            }

            if (activation.TryEnqueue(item))
            {
                return activation;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "One-way call {GrainClass}.{Method} failed")]
    private static partial void LogOneWayFailed(ILogger logger, Exception? exception, string grainClass, string method);
}
