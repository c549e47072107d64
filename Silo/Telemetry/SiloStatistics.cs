using System.Diagnostics;
using System.Diagnostics.Metrics;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Messaging;
using GrainChat.Silo.Persistence;
using GrainChat.Silo.Streams;

namespace GrainChat.Silo.Telemetry;

/// <summary>What the silo is doing right now, for the operator dashboard; also exposed as gauges on the meter.</summary>
public sealed class SiloStatistics
{
    private readonly Catalog _catalog;
    private readonly GrainTypeRegistry _registry;
    private readonly SiloMetrics _metrics;
    private readonly StreamMetrics _streams;
    private readonly IStorageHealth _storage;
    private readonly long _startedAt = Stopwatch.GetTimestamp();

    internal SiloStatistics(Catalog catalog, GrainTypeRegistry registry, SiloMetrics metrics, StreamMetrics streams, IStorageHealth storage)
    {
        _catalog = catalog;
        _registry = registry;
        _metrics = metrics;
        _streams = streams;
        _storage = storage;
        metrics.Meter.CreateObservableUpDownCounter(
            "grainchat.silo.activations",
            () => registry.Classes.Select(c => new Measurement<int>(c.ActivationCount, new KeyValuePair<string, object?>("grain.type", c.TypeName))),
            "{activation}",
            "Activations in this process, by grain type");
        metrics.Meter.CreateObservableGauge("grainchat.silo.queue_length", () => QueuedCalls, "{call}", "Calls waiting for their activation's turn");
    }

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_startedAt);

    public int Activations => _catalog.Count;

    /// <summary>Grain calls answered since start, all methods together.</summary>
    public long TotalCalls => _metrics.TotalCalls;

    public long QueuedCalls => _catalog.Activations.Sum(a => (long)a.QueueLength);

    public long StreamSubscriptions => _streams.Subscriptions;

    public long StreamEventsDropped => _streams.DroppedTotal;

    public string StorageProvider => _storage.ProviderName;

    public IReadOnlyDictionary<string, int> ActivationsByType() =>
        _registry.Classes.ToDictionary(c => c.TypeName, c => c.ActivationCount, StringComparer.Ordinal);

    public IReadOnlyList<MethodStatisticsSnapshot> Methods() => _metrics.SnapshotMethods();
}
