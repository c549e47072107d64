using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GrainChat.Silo.Telemetry;

/// <summary>
/// The <c>GrainChat.Silo</c> meter (the role of Orleans' <c>Microsoft.Orleans</c> meter) and the per-method
/// statistics behind the in-process snapshot.
/// </summary>
public sealed class SiloMetrics : IDisposable
{
    public const string MeterName = "GrainChat.Silo";

    private readonly ConcurrentDictionary<(string GrainType, string Method), MethodStatistics> _methods = new();
    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _scheduledTurnWait;
    private readonly Func<bool> _callDurationListened;

    public SiloMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _calls = _meter.CreateCounter<long>("grainchat.silo.grain_calls", "{call}", "Grain calls answered, by grain type and method");
        _failures = _meter.CreateCounter<long>("grainchat.silo.grain_call_failures", "{call}", "Grain calls answered with an exception or timeout");
        _duration = _meter.CreateHistogram<double>("grainchat.silo.grain_call_duration", "ms", "Time from call to answer, queueing included");
        _scheduledTurnWait = _meter.CreateHistogram<double>(
            "grainchat.silo.scheduled_turn_wait", "ms", "Time from a grain scheduling a turn of its own to the turn's start");
        _callDurationListened = () => _duration.Enabled;
    }

    internal Meter Meter => _meter;

    /// <summary>Grain calls answered since start, all methods together (summed on read: no counter every call shares).</summary>
    public long TotalCalls => _methods.Values.Sum(m => m.Calls);

    public MethodStatistics GetMethodStatistics(string grainType, string method) =>
        _methods.GetOrAdd((grainType, method), key => new MethodStatistics(key.GrainType, key.Method) { OnRecorded = RecordCall, TimeEveryCall = _callDurationListened });

    public IReadOnlyList<MethodStatisticsSnapshot> SnapshotMethods() =>
        _methods.Values.Select(m => m.Snapshot()).Where(s => s.Calls > 0).OrderBy(s => s.GrainType, StringComparer.Ordinal).ThenBy(s => s.Method, StringComparer.Ordinal).ToArray();

    /// <summary>Whether anyone listens to the scheduled turns' wait (the start time is then taken when one is scheduled).</summary>
    internal bool ScheduledTurnWaitEnabled => _scheduledTurnWait.Enabled;

    internal void RecordScheduledTurnWait(TimeSpan wait) => _scheduledTurnWait.Record(wait.TotalMilliseconds);

    public void Dispose() => _meter.Dispose();

    private void RecordCall(string grainType, string method, TimeSpan? elapsed, bool failed)
    {
        if (!(_calls.Enabled || _failures.Enabled || _duration.Enabled))
        {
            return;
        }

        var tags = new TagList { { "grain.type", grainType }, { "grain.method", method } };
        _calls.Add(1, tags);
        if (failed)
        {
            _failures.Add(1, tags);
        }

        if (elapsed is { } duration)
        {
            _duration.Record(duration.TotalMilliseconds, tags);
        }
    }
}
