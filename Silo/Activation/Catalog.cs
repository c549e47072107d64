using System.Collections.Concurrent;
using GrainChat.Silo.Hosting;
using GrainChat.Silo.Messaging;
using GrainChat.Silo.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Activation;

/// <summary>
/// The directory of this process's activations: at most one per grain id (Orleans: <c>Catalog</c>). It also holds
/// what an activation's lifecycle turns need, so that a deactivation still finishing after the host has disposed its
/// services (its shutdown timed out) does not need to resolve anything.
/// </summary>
internal sealed partial class Catalog(
    IServiceProvider services,
    SiloMetrics metrics,
    IOptions<SiloOptions> options,
    ILogger<GrainActivation> activationLogger,
    ILogger<Catalog> logger)
{
    private readonly ConcurrentDictionary<GrainId, GrainActivation> _activations = new();
    private volatile bool _stopping;
    private GrainRuntime? _runtime;

    public int Count => _activations.Count;

    public SiloMetrics Metrics => metrics;

    public TimeSpan CallTimeout { get; } = options.Value.CallTimeout;

    public ILogger ActivationLogger => activationLogger;

    /// <summary>Hands on the calls a removed activation leaves waiting; resolved with the first activation.</summary>
    public GrainRuntime Runtime => _runtime ?? throw new InvalidOperationException("No activation has been created yet.");

    public IEnumerable<GrainActivation> Activations => _activations.Values;

    public GrainActivation GetOrCreate(GrainId grainId, GrainClassInfo grainClass)
    {
        if (_activations.TryGetValue(grainId, out var existing))
        {
            return existing;
        }

        if (_stopping)
        {
            throw new SiloUnavailableException($"The silo is shutting down; {grainId} cannot be activated.");
        }

        _runtime ??= services.GetRequiredService<GrainRuntime>();
        var created = new GrainActivation(grainId, grainClass, this, services);
        if (!_activations.TryAdd(grainId, created))
        {
            return _activations[grainId];
        }

        grainClass.OnActivationCreated();
        created.ScheduleActivation();
        return created;
    }

    public void Remove(GrainActivation activation)
    {
        if (((ICollection<KeyValuePair<GrainId, GrainActivation>>)_activations).Remove(new(activation.Id, activation)))
        {
            activation.GrainClass.OnActivationRemoved();
        }
    }

    /// <summary>Deactivates every activation, letting queued calls finish first; new activations are refused.</summary>
    public async Task DeactivateAllAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var reason = new DeactivationReason(DeactivationReasonCode.ShuttingDown, "The silo is stopping");
        var pending = _activations.Values.Select(a => a.DeactivateAsync(reason)).ToArray();
        LogDeactivatingAll(logger, pending.Length);
        await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts deactivating every activation without waiting, and without refusing new ones.</summary>
    public void DeactivateAllNow(DeactivationReason reason)
    {
        foreach (var activation in _activations.Values)
        {
            activation.RequestDeactivation(reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deactivating {Count} activations for shutdown")]
    private static partial void LogDeactivatingAll(ILogger logger, int count);
}

/// <summary>The silo is stopping and accepts no new activations.</summary>
public sealed class SiloUnavailableException(string message) : Exception(message);
