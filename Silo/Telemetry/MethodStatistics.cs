using System.Numerics;
using System.Runtime.InteropServices;

namespace GrainChat.Silo.Telemetry;

/// <summary>
/// Call counts and latencies of one grain method. Totals count since start; the latency figures describe about the
/// most recent <see cref="WindowSize"/> calls. Each processor records into a stripe of its own (counts and a ring of
/// samples), because one counter shared by every core was a cache line the cores took from each other on every
/// call; a snapshot adds the stripes up.
/// </summary>
public sealed class MethodStatistics
{
    public const int WindowSize = 1024;

    private static readonly int StripeCount = (int)Math.Min(64, BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount));
    private static readonly int SamplesPerStripe = Math.Max(64, WindowSize / StripeCount);

    private readonly Stripe[] _stripes;

    public MethodStatistics(string grainType, string method)
    {
        GrainType = grainType;
        Method = method;
        _stripes = new Stripe[StripeCount];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Stripe(SamplesPerStripe);
        }
    }

    public string GrainType { get; }

    public string Method { get; }

    public long Calls => _stripes.Sum(s => Interlocked.Read(ref s.Counters.Calls));

    public long Failures => _stripes.Sum(s => Interlocked.Read(ref s.Counters.Failures));

    internal Action<string, string, TimeSpan, bool>? OnRecorded { get; set; }

    public void Record(TimeSpan elapsed, bool failed)
    {
        var stripe = _stripes[Thread.GetCurrentProcessorId() & (_stripes.Length - 1)];
        var index = Interlocked.Increment(ref stripe.Counters.Calls) - 1;
        if (failed)
        {
            Interlocked.Increment(ref stripe.Counters.Failures);
        }

        stripe.RecentMilliseconds[index % stripe.RecentMilliseconds.Length] = elapsed.TotalMilliseconds;
        OnRecorded?.Invoke(GrainType, Method, elapsed, failed);
    }

    public MethodStatisticsSnapshot Snapshot()
    {
        var window = new List<double>(WindowSize);
        foreach (var stripe in _stripes)
        {
            var samples = (int)Math.Min(Interlocked.Read(ref stripe.Counters.Calls), stripe.RecentMilliseconds.Length);
            window.AddRange(stripe.RecentMilliseconds.AsSpan(0, samples));
        }

        window.Sort();
        var mean = window.Count == 0 ? 0 : window.Average();
        var p99 = window.Count == 0 ? 0 : window[Math.Min(window.Count - 1, (int)Math.Ceiling(window.Count * 0.99) - 1)];
        return new MethodStatisticsSnapshot(GrainType, Method, Calls, Failures, mean, p99);
    }

    private sealed class Stripe(int samples)
    {
        // Padded so that two stripes' counters never share a cache line.
        public PaddedCounters Counters;

        public double[] RecentMilliseconds { get; } = new double[samples];
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounters
    {
        [FieldOffset(64)]
        public long Calls;

        [FieldOffset(72)]
        public long Failures;
    }
}

public sealed record MethodStatisticsSnapshot(string GrainType, string Method, long Calls, long Failures, double MeanMilliseconds, double P99Milliseconds);
