using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace GrainChat.Silo.Telemetry;

/// <summary>
/// Call counts and latencies of one grain method. Totals count every call since start; the latency figures describe
/// about the most recent <see cref="WindowSize"/> timed calls. Each processor records into a stripe of its own (counts
/// and a ring of samples), because one counter shared by every core was a cache line the cores took from each other
/// on every call; a snapshot adds the stripes up.
/// </summary>
/// <remarks>
/// Reading the clock twice was a sixth of a grain call's cost, so a busy method's latency is sampled: each stripe
/// times every call until its share of the window is full, then one call in <see cref="TimedEvery"/> (chosen by
/// call count, so independent of how long a call takes). Every call is timed while the
/// <c>grainchat.silo.grain_call_duration</c> histogram has a listener.
/// </remarks>
public sealed class MethodStatistics
{
    public const int WindowSize = 1024;

    /// <summary>Once a stripe's window is full, one call in this many is timed.</summary>
    public const int TimedEvery = 16;

    /// <summary>The start timestamp of a call that is counted but not timed.</summary>
    public const long NotTimed = 0;

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

    /// <summary>The calls whose duration was taken (all of them, or a sample: see the remarks).</summary>
    public long TimedCalls => _stripes.Sum(s => Interlocked.Read(ref s.Counters.TimedCalls));

    internal Action<string, string, TimeSpan?, bool>? OnRecorded { get; set; }

    /// <summary>Whether every call must be timed (a listener wants each call's duration).</summary>
    internal Func<bool>? TimeEveryCall { get; set; }

    /// <summary>The start timestamp for a call beginning now: <see cref="Stopwatch.GetTimestamp"/>, or <see cref="NotTimed"/>.</summary>
    public long StartTimestamp()
    {
        var stripe = CurrentStripe;
        var timed = stripe.Counters.TimedCalls < SamplesPerStripe
            || (Volatile.Read(ref stripe.Counters.Calls) & (TimedEvery - 1)) == 0
            || TimeEveryCall?.Invoke() == true;
        return timed ? Stopwatch.GetTimestamp() : NotTimed;
    }

    /// <summary>Counts a call answered now; times it when <paramref name="startTimestamp"/> is not <see cref="NotTimed"/>.</summary>
    public void Record(long startTimestamp, bool failed)
    {
        var stripe = CurrentStripe;
        Interlocked.Increment(ref stripe.Counters.Calls);
        if (failed)
        {
            Interlocked.Increment(ref stripe.Counters.Failures);
        }

        TimeSpan? elapsed = null;
        if (startTimestamp != NotTimed)
        {
            elapsed = Stopwatch.GetElapsedTime(startTimestamp);
            var index = Interlocked.Increment(ref stripe.Counters.TimedCalls) - 1;
            stripe.RecentMilliseconds[index % stripe.RecentMilliseconds.Length] = elapsed.Value.TotalMilliseconds;
        }

        OnRecorded?.Invoke(GrainType, Method, elapsed, failed);
    }

    public MethodStatisticsSnapshot Snapshot()
    {
        var window = new List<double>(WindowSize);
        foreach (var stripe in _stripes)
        {
            var samples = (int)Math.Min(Interlocked.Read(ref stripe.Counters.TimedCalls), stripe.RecentMilliseconds.Length);
            window.AddRange(stripe.RecentMilliseconds.AsSpan(0, samples));
        }

        window.Sort();
        var mean = window.Count == 0 ? 0 : window.Average();
        var p99 = window.Count == 0 ? 0 : window[Math.Min(window.Count - 1, (int)Math.Ceiling(window.Count * 0.99) - 1)];
        return new MethodStatisticsSnapshot(GrainType, Method, Calls, Failures, TimedCalls, mean, p99);
    }

    private Stripe CurrentStripe => _stripes[Thread.GetCurrentProcessorId() & (_stripes.Length - 1)];

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

        [FieldOffset(80)]
        public long TimedCalls;
    }
}

public sealed record MethodStatisticsSnapshot(
    string GrainType, string Method, long Calls, long Failures, long TimedCalls, double MeanMilliseconds, double P99Milliseconds);
