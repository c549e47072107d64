using System.Diagnostics.Metrics;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Silo.Streams;

/// <summary>Stream counters on the <c>GrainChat.Silo</c> meter, also readable in-process.</summary>
internal sealed class StreamMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _deliveryWait;
    private long _subscriptions;
    private long _droppedTotal;

    public StreamMetrics(SiloMetrics metrics)
    {
        _published = metrics.Meter.CreateCounter<long>("grainchat.silo.stream_events_published", "{event}");
        _dropped = metrics.Meter.CreateCounter<long>("grainchat.silo.stream_events_dropped", "{event}", "Events dropped for a subscriber whose queue was full");
        _failed = metrics.Meter.CreateCounter<long>("grainchat.silo.stream_delivery_failures", "{event}", "Events whose subscriber threw");
        _deliveryWait = metrics.Meter.CreateHistogram<double>(
            "grainchat.silo.stream_delivery_wait", "ms", "Time an event waited in a subscriber's queue before its delivery began");
        metrics.Meter.CreateObservableUpDownCounter("grainchat.silo.stream_subscriptions", () => Interlocked.Read(ref _subscriptions), "{subscription}");
    }

    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    public long DroppedTotal => Interlocked.Read(ref _droppedTotal);

    public void Published() => _published.Add(1);

    public void Dropped()
    {
        Interlocked.Increment(ref _droppedTotal);
        _dropped.Add(1);
    }

    public void Failed() => _failed.Add(1);

    public bool DeliveryWaitEnabled => _deliveryWait.Enabled;

    public void Waited(TimeSpan wait) => _deliveryWait.Record(wait.TotalMilliseconds);

    public void Subscribed() => Interlocked.Increment(ref _subscriptions);

    public void Unsubscribed() => Interlocked.Decrement(ref _subscriptions);
}
