using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace GrainChat.Bench.Allocations;

/// <summary>
/// Listens to the runtime's own GC events in process: an allocation tick about every 100 KB allocated (naming the type
/// of the object that crossed the mark — a sample proportional to bytes), each collection's promoted bytes, and each
/// pause split into its phases (stopping the threads, the collection itself, restarting them) with the bytes its mark
/// phase reached from each kind of root (<c>GCMarkWithType</c>: stacks, handles, older generations through the card
/// table, …), and the heap's generation sizes, pinned objects and handles after the last collection. The report (top
/// types by sampled bytes, collections, bytes promoted per collection, the last pauses) is rewritten every 5 s, so a
/// process that is killed still leaves the last one.
/// </summary>
internal sealed class AllocationListener : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int PausesKept = 60;
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private readonly string _file;
    private long _sampledBytes;
    private long _collections;
    private long _promotedBytes;
    private readonly Queue<GcPause> _pauses = new();
    private GcPause _current = new();
    private string _heap = "";
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
            Interlocked.Add(ref _promotedBytes, Number(e, "TotalPromotedSize0") + Number(e, "TotalPromotedSize1"));
            _heap = string.Create(CultureInfo.InvariantCulture,
                $"heap after the last collection: gen0 {Number(e, "GenerationSize0"):N0}, gen1 {Number(e, "GenerationSize1"):N0}, gen2 {Number(e, "GenerationSize2"):N0}, large {Number(e, "GenerationSize3"):N0}, pinned heap {Number(e, "GenerationSize4"):N0} bytes; pinned objects {Number(e, "PinnedObjectCount")}, GC handles {Number(e, "GCHandleCount")}");
        }
        else if (e.EventName is { } mark && mark.StartsWith("GCMarkWithType", StringComparison.Ordinal))
        {
            var kind = Convert.ToInt32(Payload(e, "Type") ?? -1, CultureInfo.InvariantCulture);
            _current.MarkedBytes[kind] = _current.MarkedBytes.GetValueOrDefault(kind) + Number(e, "Bytes");
        }
        else if (e.EventName is { } phase)
        {
            RecordPhase(phase, e);
        }
    }

    // A pause: SuspendEEBegin … SuspendEEEnd (every managed thread brought to a safe point), GCStart … GCEnd (the
    // collection), RestartEEBegin … RestartEEEnd (the threads let go). Events arrive in order on one dispatch thread.
    private void RecordPhase(string phase, EventWrittenEventArgs e)
    {
        var at = e.TimeStamp;
        if (phase.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal))
        {
            _current = new GcPause { SuspendBegin = at };
        }
        else if (phase.StartsWith("GCSuspendEEEnd", StringComparison.Ordinal))
        {
            _current.SuspendEnd = at;
        }
        else if (phase.StartsWith("GCStart", StringComparison.Ordinal))
        {
            _current.GcStart = at;
            _current.Generation = Convert.ToInt32(Payload(e, "Depth") ?? -1, CultureInfo.InvariantCulture);
        }
        else if (phase.StartsWith("GCEnd", StringComparison.Ordinal))
        {
            _current.GcEnd = at;
        }
        else if (phase.StartsWith("GCRestartEEEnd", StringComparison.Ordinal) && _current.SuspendBegin != default)
        {
            _current.RestartEnd = at;
            lock (_pauses)
            {
                if (_pauses.Count == PausesKept)
                {
                    _pauses.Dequeue();
                }

                _pauses.Enqueue(_current);
            }

            _current = new GcPause();
        }
    }

    private static long Number(EventWrittenEventArgs e, string name) => Convert.ToInt64(Payload(e, name) ?? 0L, CultureInfo.InvariantCulture);

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

        report.AppendLine(_heap);
        report.AppendLine("last pauses (ms): began at (Unix ms), generation, stopping the threads, collecting, restarting, whole pause; KB marked from each kind of root");
        lock (_pauses)
        {
            foreach (var pause in _pauses)
            {
                var marked = string.Join(", ", pause.MarkedBytes.OrderBy(m => m.Key).Select(m => string.Create(CultureInfo.InvariantCulture, $"{RootKind(m.Key)} {m.Value / 1024:N0}")));
                var began = new DateTimeOffset(pause.SuspendBegin.ToUniversalTime()).ToUnixTimeMilliseconds();
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"{began}  gen{pause.Generation}  {Ms(pause.SuspendBegin, pause.SuspendEnd),7:F2}  {Ms(pause.GcStart, pause.GcEnd),7:F2}  {Ms(pause.GcEnd, pause.RestartEnd),7:F2}  {Ms(pause.SuspendBegin, pause.RestartEnd),7:F2}  {marked}");
            }
        }

        File.WriteAllText(_file, report.ToString());
    }

    // The root kinds GCMarkWithType names (the runtime's event documentation); later runtimes add more.
    private static string RootKind(int kind) => kind switch
    {
        0 => "stacks",
        1 => "finalization queue",
        2 => "handles",
        3 => "older generations",
        4 => "sized refs",
        5 => "overflow",
        _ => $"kind {kind}",
    };

    private static double Ms(DateTime from, DateTime to) => from == default || to == default ? double.NaN : (to - from).TotalMilliseconds;

    private sealed class GcPause
    {
        public DateTime SuspendBegin { get; set; }

        public DateTime SuspendEnd { get; set; }

        public DateTime GcStart { get; set; }

        public DateTime GcEnd { get; set; }

        public DateTime RestartEnd { get; set; }

        public int Generation { get; set; } = -1;

        public Dictionary<int, long> MarkedBytes { get; } = [];
    }
}
