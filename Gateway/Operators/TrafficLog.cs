using GrainChat.Chat;
using GrainChat.Gateway.Activity;

namespace GrainChat.Gateway.Operators;

/// <summary>
/// The recent message traffic for operators: a bounded ring (newest last) of messages, broadcasts, joins and
/// leaves, each with a size-limited copy of its data. Every entry is also pushed live to admins as <c>admin:message</c>.
/// </summary>
internal sealed class TrafficLog(OperatorEvents events, TimeProvider time) : IChatActivityObserver
{
    public const int Capacity = 1000;
    public const int MaxDataLength = 500;

    private readonly object _lock = new();
    private readonly Queue<TrafficEntry> _entries = new(Capacity);

    public void OnMessageStored(string kind, string sender, string roomId, string text) => Record(kind, sender, roomId, text);

    public void OnTraffic(string eventName, string username, string? roomId, string? data) => Record(eventName, username, roomId, data);

    /// <summary>The newest <paramref name="limit"/> entries matching the filters, oldest first.</summary>
    public IReadOnlyList<TrafficEntry> Read(string? room, string? user, int limit)
    {
        lock (_lock)
        {
            return _entries
                .Where(e => room is null || string.Equals(e.Room, room, StringComparison.Ordinal))
                .Where(e => user is null || ChatKeys.SameUser(e.From, user))
                .TakeLast(limit)
                .ToArray();
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
        }
    }

    private void Record(string eventName, string from, string? room, string? data)
    {
        var entry = new TrafficEntry(eventName, from, room, Truncate(data), time.GetUtcNow());
        lock (_lock)
        {
            if (_entries.Count == Capacity)
            {
                _entries.Dequeue();
            }

            _entries.Enqueue(entry);
        }

        events.TrafficRecorded(entry);
    }

    private static string? Truncate(string? data) =>
        data is { Length: > MaxDataLength } ? string.Concat(data.AsSpan(0, MaxDataLength), "…") : data;
}

/// <summary><c>{event, from, room, data, timestamp}</c>.</summary>
public sealed record TrafficEntry(string Event, string From, string? Room, string? Data, DateTimeOffset Timestamp);
