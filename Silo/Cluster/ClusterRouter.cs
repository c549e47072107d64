using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster.Calls;
using GrainChat.Silo.Cluster.Membership;
using GrainChat.Silo.Cluster.Transport;
using GrainChat.Silo.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Cluster;

/// <summary>
/// Placement and remote calls. A call goes to the grain's owner on the placement ring: here, or over the silo
/// connection to the owner. A call that arrives from another silo runs here when this silo owns the grain (or
/// after one forward when it does not, so a brief disagreement between views still reaches one activation). When
/// the view changes, activations this silo no longer owns are deactivated, so later calls reach the new owner.
/// </summary>
internal sealed partial class ClusterRouter : IRequestHandler
{
    private const int MaxHops = 1;

    private readonly ClusterMembership _membership;
    private readonly SiloConnections _connections;
    private readonly GrainTypeRegistry _registry;
    private readonly Catalog _catalog;
    private readonly IServiceProvider _services;
    private readonly bool _hostsGrains;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<GrainId, bool> _pinned = new();

    public ClusterRouter(
        ClusterMembership membership,
        SiloConnections connections,
        GrainTypeRegistry registry,
        Catalog catalog,
        IServiceProvider services,
        IOptions<ClusterOptions> options,
        ILogger<ClusterRouter> logger)
    {
        _membership = membership;
        _connections = connections;
        _registry = registry;
        _catalog = catalog;
        _services = services;
        _hostsGrains = options.Value.HostsGrains;
        _logger = logger;
        membership.ViewChanged += OnViewChanged;
    }

    /// <summary>
    /// Sends the call elsewhere when another silo owns the grain (or the view is not there yet); false when it
    /// must run on this silo.
    /// </summary>
    public bool TryRouteElsewhere<TResult>(GrainProxy proxy, MethodDispatcher<TResult> method, object?[] arguments, TimeSpan timeout, out Task<TResult> call)
    {
        if (!_membership.Ready.IsCompleted)
        {
            call = AfterJoinAsync(proxy, method, arguments);
            return true;
        }

        var owner = proxy.GrainClass.IsSiloBound ? SiloNamedBy(proxy.GrainId) : RemoteOwnerOf(proxy.GrainId);
        if (owner is null)
        {
            call = null!;
            return false;
        }

        call = InvokeRemoteAsync(owner, proxy.GrainId, method, arguments, timeout, hops: 0);
        return true;
    }

    /// <summary>
    /// Sends a call that waited for a now-gone activation to the grain's owner when that is another silo; false
    /// when it should run here.
    /// </summary>
    public bool TryForward(GrainId grainId, GrainClassInfo grainClass, IActivationWorkItem item)
    {
        if (grainClass.IsSiloBound || item is not IForwardableRequest request)
        {
            return false;
        }

        SiloAddress? owner;
        try
        {
            owner = RemoteOwnerOf(grainId);
        }
        catch (SiloUnavailableException exception)
        {
            item.Fail(exception);
            return true;
        }

        if (owner is null)
        {
            return false;
        }

        request.ForwardTo(this, owner, grainId);
        return true;
    }

    /// <summary>Deactivates the activations another silo owns in the current view (after a view change, or one that slipped in meanwhile).</summary>
    public void DeactivateMisplaced() => OnViewChanged(_membership.View);

    /// <summary>Tests only: this silo acts as the grain's owner whatever the ring says (to force a double activation).</summary>
    internal void PinHere(GrainId grainId) => _pinned[grainId] = true;

    internal void Unpin(GrainId grainId) => _pinned.TryRemove(grainId, out _);

    public void Handle(SiloConnection connection, long callId, bool oneWay, ReadOnlyMemory<byte> body) =>
        _ = HandleAsync(connection, callId, oneWay, body);

    /// <summary>The silo a <see cref="SiloBoundAttribute"/> grain's key names; null for this one.</summary>
    private SiloAddress? SiloNamedBy(GrainId grainId)
    {
        if (string.Equals(grainId.Key, SiloBoundAttribute.LocalKey, StringComparison.Ordinal))
        {
            return null;
        }

        SiloAddress silo;
        try
        {
            silo = SiloAddress.Parse(grainId.Key);
        }
        catch (FormatException exception)
        {
            throw new ArgumentException($"{grainId} is bound to a silo, so its key must be a silo address or '{SiloBoundAttribute.LocalKey}'.", exception);
        }

        return silo == _membership.Self ? null : silo;
    }

    private SiloAddress? RemoteOwnerOf(GrainId grainId)
    {
        if (_hostsGrains && _pinned.ContainsKey(grainId))
        {
            return null;
        }

        var owner = _membership.View.Ring.OwnerOf(grainId)
            ?? throw new SiloUnavailableException($"No silo of the cluster hosts grains right now; {grainId} cannot be reached.");
        if (owner != _membership.Self || !_hostsGrains)
        {
            return owner;
        }

        return _membership.IsConnected
            ? null
            : throw new SiloUnavailableException($"Silo {owner} has lost the membership table and may have been declared dead; it serves no grains until it is back.");
    }

    private async Task<TResult> AfterJoinAsync<TResult>(GrainProxy proxy, MethodDispatcher<TResult> method, object?[] arguments)
    {
        await _membership.Ready.ConfigureAwait(false);
        return await _services.GetRequiredService<GrainRuntime>().InvokeAsync(proxy, method, arguments).ConfigureAwait(false);
    }

    public async Task<TResult> InvokeRemoteAsync<TResult>(SiloAddress owner, GrainId grainId, MethodDispatcher<TResult> method, object?[] arguments, TimeSpan timeout, int hops)
    {
        var connection = await _connections.GetAsync(owner).ConfigureAwait(false);
        var body = new ArrayBufferWriter<byte>(256);
        RemoteCallCodec.WriteRequest(body, grainId, method, arguments, timeout, hops);
        if (method.IsOneWay)
        {
            connection.SendRequest(body.WrittenSpan, call: null);
            return default!;
        }

        var call = new RemoteCall<TResult>(method, timeout);
        connection.SendRequest(body.WrittenSpan, call);
        return await call.Task.ConfigureAwait(false);
    }

    private async Task HandleAsync(SiloConnection connection, long callId, bool oneWay, ReadOnlyMemory<byte> body)
    {
        var response = new ArrayBufferWriter<byte>(256);
        MethodDispatcher? method = null;
        try
        {
            var (request, document) = RemoteCallCodec.ReadRequest(body);
            using (document)
            {
                var grainClass = _registry.FindByTypeName(request.GrainId.Type)
                    ?? throw new ArgumentException($"This silo has no grain type '{request.GrainId.Type}'.");
                method = grainClass.FindDispatcher(request.Method)
                    ?? throw new ArgumentException($"{grainClass.ClassType.Name} has no method {request.Method}.");
                var arguments = RemoteCallCodec.ReadArguments(request.Arguments, method);

                // A silo that has just joined can be called before it read its first view (the others saw it Active in
                // the table first): routing then waits for that view instead of finding no silo to host the grain.
                if (!_membership.Ready.IsCompleted)
                {
                    await _membership.Ready.WaitAsync(request.Timeout).ConfigureAwait(false);
                }

                var result = await RunAsync(request, grainClass, method, arguments).ConfigureAwait(false);
                RemoteCallCodec.WriteResult(response, result, method.ResultType);
            }
        }
        catch (Exception exception)
        {
            if (oneWay)
            {
                LogOneWayFailed(_logger, exception, method?.Key ?? "?");
            }

            response.Clear();
            RemoteCallCodec.WriteException(response, exception);
        }

        if (!oneWay)
        {
            connection.SendResponse(callId, response.WrittenSpan);
        }
    }

    private Task<object?> RunAsync(RemoteRequest request, GrainClassInfo grainClass, MethodDispatcher method, object?[] arguments)
    {
        if (grainClass.IsSiloBound)
        {
            return method.InvokeHereAsync(_services.GetRequiredService<GrainRuntime>(), request.GrainId, arguments, request.Timeout);
        }

        var owner = _hostsGrains ? RemoteOwnerOf(request.GrainId) : _membership.View.Ring.OwnerOf(request.GrainId);
        if (owner is not null && request.Hops < MaxHops)
        {
            return ForwardAsync(owner, request, method, arguments);
        }

        if (!_hostsGrains)
        {
            throw new SiloUnavailableException($"Silo {_membership.Self} hosts no grains.");
        }

        return method.InvokeHereAsync(_services.GetRequiredService<GrainRuntime>(), request.GrainId, arguments, request.Timeout);
    }

    private async Task<object?> ForwardAsync(SiloAddress owner, RemoteRequest request, MethodDispatcher method, object?[] arguments)
    {
        var connection = await _connections.GetAsync(owner).ConfigureAwait(false);
        var body = new ArrayBufferWriter<byte>(256);
        RemoteCallCodec.WriteRequest(body, request.GrainId, method, arguments, request.Timeout, request.Hops + 1);
        var call = new RemoteCall<object?>(method, request.Timeout, boxedResultType: method.ResultType);
        connection.SendRequest(body.WrittenSpan, call);
        return await call.Task.ConfigureAwait(false);
    }

    private void OnViewChanged(MembershipView view)
    {
        foreach (var dead in view.Members.Where(m => m.Status == SiloStatus.Dead))
        {
            _connections.Drop(dead.Silo);
        }

        var moved = 0;
        foreach (var activation in _catalog.Activations)
        {
            var owner = activation.GrainClass.IsSiloBound ? null : view.Ring.OwnerOf(activation.Id);
            if (owner is not null && owner != _membership.Self && !_pinned.ContainsKey(activation.Id))
            {
                activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.PlacementChanged, $"Silo {owner} owns the grain now"));
                moved++;
            }
        }

        if (moved > 0)
        {
            LogMoving(_logger, moved, view.Number);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deactivating {Count} activations other silos own in view {View}")]
    private static partial void LogMoving(ILogger logger, int count, long view);

    [LoggerMessage(Level = LogLevel.Warning, Message = "One-way call {Method} from another silo failed")]
    private static partial void LogOneWayFailed(ILogger logger, Exception exception, string method);

    /// <summary>A call waiting for its response frame; it is its own completion source.</summary>
    private sealed class RemoteCall<TResult>(MethodDispatcher method, TimeSpan timeout, Type? boxedResultType = null)
        : TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously), IPendingCall
    {
        public long DeadlineTimestamp { get; } = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);

        public void Complete(ReadOnlyMemory<byte> response)
        {
            try
            {
                TrySetResult(boxedResultType is null
                    ? RemoteCallCodec.ReadResponse<TResult>(response, method.ResultType is not null)
                    : (TResult)RemoteCallCodec.ReadBoxedResponse(response, boxedResultType)!);
            }
            catch (Exception exception)
            {
                TrySetException(exception);
            }
        }

        public void Fail(Exception exception) => TrySetException(exception);
    }
}
