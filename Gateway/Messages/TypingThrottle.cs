using System.Collections.Concurrent;
using GrainChat.Chat;

namespace GrainChat.Gateway.Messages;

/// <summary>
/// At most one typing notice per user and room per <see cref="ChatLimits.TypingInterval"/> goes on to the room
/// (per node: a user typing through two nodes at once could be forwarded twice in an interval).
/// </summary>
internal sealed class TypingThrottle(TimeProvider time)
{
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<(string User, string Room), long> _lastForwarded = new();

    public bool ShouldForward(string userKey, string roomId)
    {
        var now = time.GetTimestamp();
        var key = (userKey, roomId);
        while (true)
        {
            if (!_lastForwarded.TryGetValue(key, out var last))
            {
                if (_lastForwarded.TryAdd(key, now))
                {
                    SweepIfLarge(now);
                    return true;
                }

                continue;
            }

            if (time.GetElapsedTime(last, now) < ChatLimits.TypingInterval)
            {
                return false;
            }

            if (_lastForwarded.TryUpdate(key, now, last))
            {
                return true;
            }
        }
    }

    // Entries older than the interval mean nothing any more; drop them so the table stays small.
    private void SweepIfLarge(long now)
    {
        if (_lastForwarded.Count <= SweepAbove)
        {
            return;
        }

        foreach (var (key, last) in _lastForwarded)
        {
            if (time.GetElapsedTime(last, now) >= ChatLimits.TypingInterval)
            {
                _lastForwarded.TryRemove(new(key, last));
            }
        }
    }
}
