namespace GrainChat.Silo.Telemetry;

/// <summary>
/// Call counts and latencies of one grain method. Totals count since start; the latency figures describe the
/// most recent <see cref="WindowSize"/> calls (a ring of samples, written without locks).
/// </summary>
public sealed class MethodStatistics(string grainType, string method)
{
    public const int WindowSize = 1024;

    private readonly double[] _recentMilliseconds = new double[WindowSize];
    private long _calls;
    private long _failures;

    public string GrainType { get; } = grainType;

    public string Method { get; } = method;

    public long Calls => Interlocked.Read(ref _calls);

    public long Failures => Interlocked.Read(ref _failures);

    internal Action<string, string, TimeSpan, bool>? OnRecorded { get; set; }

    public void Record(TimeSpan elapsed, bool failed)
    {
        var index = Interlocked.Increment(ref _calls) - 1;
        if (failed)
        {
            Interlocked.Increment(ref _failures);
        }

        _recentMilliseconds[index % WindowSize] = elapsed.TotalMilliseconds;
        OnRecorded?.Invoke(GrainType, Method, elapsed, failed);
    }

    public MethodStatisticsSnapshot Snapshot()
    {
        var calls = Calls;
        var samples = (int)Math.Min(calls, WindowSize);
        var window = _recentMilliseconds.AsSpan(0, samples).ToArray();
        Array.Sort(window);
        var mean = samples == 0 ? 0 : window.Average();
        var p99 = samples == 0 ? 0 : window[Math.Min(samples - 1, (int)Math.Ceiling(samples * 0.99) - 1)];
        return new MethodStatisticsSnapshot(GrainType, Method, calls, Failures, mean, p99);
    }
}

public sealed record MethodStatisticsSnapshot(string GrainType, string Method, long Calls, long Failures, double MeanMilliseconds, double P99Milliseconds);
