using System.Diagnostics;
using System.Globalization;

namespace GrainChat.Chat;

/// <summary>The points a room message passes on its way from a sender to the room's connections, in order.</summary>
public enum MessagePathStage : byte
{
    /// <summary>The send reached the gateway (hub method or REST endpoint).</summary>
    Received,

    /// <summary>The room grain's turn for the post began.</summary>
    PostStarted,

    /// <summary>The message log's writer took the message into a batch (and stamped it).</summary>
    BatchStarted,

    /// <summary>The batch holds the database's write lock and writes the message.</summary>
    Writing,

    /// <summary>The batch holding the message committed.</summary>
    Committed,

    /// <summary>The room grain's turn that publishes the stored message began.</summary>
    PublishStarted,

    /// <summary>The stream's subscriber on this node began forwarding the event to the room's group.</summary>
    DeliveryStarted,

    /// <summary>The message was handed to every connection of the group.</summary>
    Delivered,

    /// <summary>The sender's send returned (the hub's answer is written next).</summary>
    Answered,
}

/// <summary>
/// A diagnostic for the benchmark: when the environment variable <c>GRAINCHAT_MESSAGE_TRACE</c> names a file, each
/// room message's passage through the <see cref="MessagePathStage"/>s is timed, keyed by its text (the reader drops
/// texts sent twice), and the marks are written to that file when the process exits, so a latency tail can be split
/// hop by hop. Off (the default) it costs one test of a read-only static per mark, which the JIT folds away.
/// </summary>
public static class MessagePathTrace
{
    /// <summary>Marks kept at most: about two minutes of 2,000 sends/s at nine marks each, 48 MiB.</summary>
    public const int Capacity = 1 << 21;

    private static readonly string? File = Environment.GetEnvironmentVariable("GRAINCHAT_MESSAGE_TRACE");

    public static readonly bool Enabled = File is { Length: > 0 };

    private static readonly Entry[] Marks = Enabled ? new Entry[Capacity] : [];
    private static readonly long StartTimestamp = Stopwatch.GetTimestamp();
    private static readonly DateTime StartTime = DateTime.UtcNow;

    // Initialized with the class (no static constructor, so reading Enabled stays free once the JIT has it).
    private static readonly bool ExitHandlerRegistered = Enabled && RegisterExitHandler();
    private static int _count;

    public static void Mark(MessagePathStage stage, string? text)
    {
        if (!Enabled || text is null)
        {
            return;
        }

        var index = Interlocked.Increment(ref _count) - 1;
        if (index < Marks.Length)
        {
            Marks[index] = new Entry(Stopwatch.GetTimestamp(), text.GetHashCode(StringComparison.Ordinal), stage, stage == MessagePathStage.Received ? text : null);
        }
    }

    private static bool RegisterExitHandler()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Write(File!);
        return true;
    }

    /// <summary>One line per mark, tab-separated: the stage, the text's key, Unix time in microseconds, and (on <see cref="MessagePathStage.Received"/> only) the text.</summary>
    private static void Write(string path)
    {
        try
        {
            WriteMarks(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // At exit there is no one else to tell, and a diagnostic must not turn a clean exit into a crash.
            Console.Error.WriteLine($"GRAINCHAT_MESSAGE_TRACE: the trace could not be written to {path}: {exception.Message}");
        }
    }

    private static void WriteMarks(string path)
    {
        var count = Math.Min(Volatile.Read(ref _count), Marks.Length);
        using var writer = new StreamWriter(path);
        for (var i = 0; i < count; i++)
        {
            var mark = Marks[i];
            var at = StartTime + Stopwatch.GetElapsedTime(StartTimestamp, mark.Timestamp);
            var micros = (at - DateTime.UnixEpoch).Ticks / (TimeSpan.TicksPerMillisecond / 1000);
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{mark.Stage}\t{mark.Key}\t{micros}"));
            writer.WriteLine(mark.Text is null ? "" : "\t" + mark.Text.Replace('\t', ' ').Replace('\n', ' '));
        }
    }

    private readonly record struct Entry(long Timestamp, int Key, MessagePathStage Stage, string? Text);
}
