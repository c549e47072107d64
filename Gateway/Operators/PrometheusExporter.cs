using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using GrainChat.Gateway.Metrics;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Gateway.Operators;

/// <summary>
/// Renders the <c>GrainChat.Silo</c>, <c>GrainChat.Gateway</c> and <c>System.Runtime</c> meters in the Prometheus text format
/// (version 0.0.4). Instruments are aggregated by a <see cref="MeterListener"/>; per-call grain instruments are
/// taken from <see cref="SiloStatistics"/>, which already aggregates them, so listening adds no per-call cost.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    // .NET's own meter: garbage collections and their pause time, the thread pool's queue — what a latency tail is read beside.
    private const string RuntimeMeterName = "System.Runtime";

    private static readonly string[] Meters = [SiloMetrics.MeterName, ChatTraffic.MeterName, RuntimeMeterName];
    private static readonly string[] PerCallInstruments =
        ["grainchat.silo.grain_calls", "grainchat.silo.grain_call_failures", "grainchat.silo.grain_call_duration"];
    private static readonly double[] BucketBounds = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();
    private readonly SiloStatistics _silo;

    public PrometheusExporter(SiloStatistics silo)
    {
        _silo = silo;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (Meters.Contains(instrument.Meter.Name, StringComparer.Ordinal) && !PerCallInstruments.Contains(instrument.Name, StringComparer.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var instrument in _series.GroupBy(s => s.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            WriteInstrument(text, instrument.Key, instrument.Select(s => (s.Key.Labels, s.Value)));
        }

        WriteGrainCalls(text);
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = _series.GetOrAdd((instrument, Labels(tags)), static key => new Series(key.Instrument));
        series.Add(value);
    }

    private void WriteGrainCalls(StringBuilder text)
    {
        var methods = _silo.Methods();
        static string Labels(MethodStatisticsSnapshot m) => $"{{grain_type=\"{Escape(m.GrainType)}\",grain_method=\"{Escape(m.Method)}\"}}";
        Header(text, "grainchat_silo_grain_calls_total", "counter", "Grain calls answered, by grain type and method");
        foreach (var m in methods)
        {
            text.Append("grainchat_silo_grain_calls_total").Append(Labels(m)).Append(' ').Append(Number(m.Calls)).Append('\n');
        }

        Header(text, "grainchat_silo_grain_call_failures_total", "counter", "Grain calls answered with an exception or timeout");
        foreach (var m in methods)
        {
            text.Append("grainchat_silo_grain_call_failures_total").Append(Labels(m)).Append(' ').Append(Number(m.Failures)).Append('\n');
        }

        Header(text, "grainchat_silo_grain_call_duration_milliseconds", "summary", "Grain call latency over each method's last 1024 timed calls (a sample of a busy method's calls)");
        foreach (var m in methods)
        {
            var labels = Labels(m);
            text.Append("grainchat_silo_grain_call_duration_milliseconds").Append(labels.Insert(labels.Length - 1, ",quantile=\"0.99\"")).Append(' ').Append(Number(m.P99Milliseconds)).Append('\n');
            text.Append("grainchat_silo_grain_call_duration_milliseconds_mean").Append(labels).Append(' ').Append(Number(m.MeanMilliseconds)).Append('\n');
        }
    }

    private static void WriteInstrument(StringBuilder text, Instrument instrument, IEnumerable<(string Labels, Series Series)> series)
    {
        var name = instrument.Name.Replace('.', '_');
        var isHistogram = instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>);
        var isCounter = instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal) || instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);
        var metric = isCounter ? $"{name}_total" : name;
        Header(text, metric, isHistogram ? "histogram" : isCounter ? "counter" : "gauge", instrument.Description ?? instrument.Name);
        foreach (var (labels, s) in series.OrderBy(s => s.Labels, StringComparer.Ordinal))
        {
            if (!isHistogram)
            {
                text.Append(metric).Append(labels).Append(' ').Append(Number(s.Value(instrument))).Append('\n');
                continue;
            }

            var (count, sum, buckets) = s.Histogram();
            long cumulative = 0;
            for (var i = 0; i < BucketBounds.Length; i++)
            {
                cumulative += buckets[i];
                text.Append(metric).Append("_bucket").Append(WithLabel(labels, "le", Number(BucketBounds[i]))).Append(' ').Append(cumulative).Append('\n');
            }

            text.Append(metric).Append("_bucket").Append(WithLabel(labels, "le", "+Inf")).Append(' ').Append(count).Append('\n');
            text.Append(metric).Append("_sum").Append(labels).Append(' ').Append(Number(sum)).Append('\n');
            text.Append(metric).Append("_count").Append(labels).Append(' ').Append(count).Append('\n');
        }
    }

    private static void Header(StringBuilder text, string metric, string type, string help) =>
        text.Append("# HELP ").Append(metric).Append(' ').Append(help.Replace("\n", " ", StringComparison.Ordinal)).Append('\n')
            .Append("# TYPE ").Append(metric).Append(' ').Append(type).Append('\n');

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var pairs = new List<string>(tags.Length);
        foreach (var tag in tags)
        {
            pairs.Add($"{tag.Key.Replace('.', '_')}=\"{Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return $"{{{string.Join(',', pairs)}}}";
    }

    private static string WithLabel(string labels, string name, string value) =>
        labels.Length == 0 ? $"{{{name}=\"{value}\"}}" : $"{labels[..^1]},{name}=\"{value}\"}}";

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>One labelled series: a running sum (counters), the last observation (observable instruments) or a histogram.</summary>
    private sealed class Series(Instrument instrument)
    {
        private readonly object _lock = new();
        private readonly long[] _buckets = new long[BucketBounds.Length];
        private readonly bool _observable = instrument.IsObservable;
        private double _value;
        private long _count;

        public void Add(double value)
        {
            lock (_lock)
            {
                _count++;
                _value = _observable ? value : _value + value;
                for (var bucket = 0; bucket < BucketBounds.Length; bucket++)
                {
                    if (value <= BucketBounds[bucket])
                    {
                        _buckets[bucket]++;
                        break;
                    }
                }
            }
        }

        public double Value(Instrument _)
        {
            lock (_lock)
            {
                return _value;
            }
        }

        public (long Count, double Sum, long[] Buckets) Histogram()
        {
            lock (_lock)
            {
                return (_count, _value, (long[])_buckets.Clone());
            }
        }
    }
}
