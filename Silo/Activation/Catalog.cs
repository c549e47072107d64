using System.Collections.Concurrent;
using GrainChat.Silo.Messaging;
using GrainChat.Silo.Telemetry;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Activation;

/// <summary>The directory of this process's activations: at most one per grain id (Orleans: <c>Catalog</c>).</summary>
internal sealed partial class Catalog(IServiceProvider services, SiloMetrics metrics, ILogger<Catalog> logger)
{
    private readonly ConcurrentDictionary<GrainId, GrainActivation> _activations = new();
    private volatile bool _stopping;

    public int Count => _activations.Count;

    public SiloMetrics Metrics => metrics;

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
