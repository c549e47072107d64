using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace GrainChat.Bench.Allocations;

/// <summary>
/// Listens to the runtime's own GC events in process: an allocation tick about every 100 KB allocated (naming the type
/// of the object that crossed the mark — a sample proportional to bytes), and each collection's promoted bytes. The
/// report (top types by sampled bytes, collections, bytes promoted per collection) is rewritten every 5 s, so a
/// process that is killed still leaves the last one.
/// </summary>
internal sealed class AllocationListener : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private readonly string _file;
    private long _sampledBytes;
    private long _collections;
    private long _promotedBytes;
    private Timer? _timer;

    private AllocationListener(string file) => _file = file;

    public static void Start(string file)
    {
        var listener = new AllocationListener(file);
        listener._timer = new Timer(_ => listener.Write(), null, ReportEvery, ReportEvery);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (string.Equals(eventSource.Name, "Microsoft-Windows-DotNETRuntime", StringComparison.Ordinal))
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is { } name && name.StartsWith("GCAllocationTick", StringComparison.Ordinal) && e.Payload is { } payload)
        {
            var type = Payload(e, "TypeName") as string ?? "?";
            var bytes = Convert.ToInt64(Payload(e, "AllocationAmount64") ?? Payload(e, "AllocationAmount") ?? 0L, CultureInfo.InvariantCulture);
            _bytesByType.AddOrUpdate(type, bytes, (_, total) => total + bytes);
            Interlocked.Add(ref _sampledBytes, bytes);
        }
        else if (e.EventName is { } heapStats && heapStats.StartsWith("GCHeapStats", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _collections);
            Interlocked.Add(ref _promotedBytes, Convert.ToInt64(Payload(e, "TotalPromotedSize0") ?? 0UL, CultureInfo.InvariantCulture)
                + Convert.ToInt64(Payload(e, "TotalPromotedSize1") ?? 0UL, CultureInfo.InvariantCulture));
        }
    }

    private static object? Payload(EventWrittenEventArgs e, string name)
    {
        var index = e.PayloadNames?.IndexOf(name) ?? -1;
        return index >= 0 ? e.Payload![index] : null;
    }

    private void Write()
    {
        var total = Math.Max(1, Interlocked.Read(ref _sampledBytes));
        var collections = Interlocked.Read(ref _collections);
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"sampled bytes {total:N0}; collections {collections}; promoted per collection (gen0 + gen1 survivors) {Interlocked.Read(ref _promotedBytes) / Math.Max(1, collections):N0} bytes")
            .AppendLine("share  sampled bytes  type");
        foreach (var (type, bytes) in _bytesByType.OrderByDescending(t => t.Value).Take(40))
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"{100.0 * bytes / total,5:F1}% {bytes,14:N0}  {type}");
        }

        File.WriteAllText(_file, report.ToString());
    }
}
