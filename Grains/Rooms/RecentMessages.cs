using GrainChat.Chat;

namespace GrainChat.Grains.Rooms;

/// <summary>
/// The latest messages of a room, contiguous by id, so that a history read it can answer in full is answered
/// from memory; any other read goes to the message log.
/// </summary>
internal sealed class RecentMessages(int capacity)
{
    private readonly List<ChatMessage> _messages = new(capacity);

    public bool IsLoaded { get; private set; }

    /// <summary>Everything from id 1 is in memory (the room is young).</summary>
    private bool HoldsAll => _messages.Count == 0 || _messages[0].Id == 1;

    public void Load(IReadOnlyList<ChatMessage> latest, long lastSequence)
    {
        _messages.Clear();
        // Only trust the load if it reaches the newest id this activation knows of.
        if (latest.Count == 0 ? lastSequence == 0 : latest[^1].Id == lastSequence)
        {
            _messages.AddRange(latest);
            IsLoaded = true;
        }
    }

    public void Add(ChatMessage message)
    {
        if (!IsLoaded)
        {
            return;
        }

        _messages.Add(message);
        if (_messages.Count > capacity)
        {
            _messages.RemoveAt(0);
        }
    }

    public void Clear()
    {
        _messages.Clear();
        IsLoaded = false;
    }

    public ChatMessage? FindByClientMessageId(string sender, string clientMessageId) =>
        _messages.FindLast(m => string.Equals(m.ClientMessageId, clientMessageId, StringComparison.Ordinal) && string.Equals(m.Sender, sender, StringComparison.Ordinal));

    /// <summary>The page, or null when memory cannot answer it completely.</summary>
    public IReadOnlyList<ChatMessage>? TryRead(HistoryQuery query)
    {
        if (!IsLoaded)
        {
            return null;
        }

        var firstId = _messages.Count == 0 ? 1 : _messages[0].Id;
        switch (query)
        {
            case { After: { } after }:
                if (after + 1 < firstId && !HoldsAll)
                {
                    return null;
                }

                return _messages.Where(m => m.Id > after).Take(query.Limit).ToArray();

            case { Before: { } before }:
                var older = _messages.Where(m => m.Id < before).ToArray();
                if (older.Length < query.Limit && !HoldsAll)
                {
                    return null;
                }

                return older[Math.Max(0, older.Length - query.Limit)..];

            default:
                if (_messages.Count < query.Limit && !HoldsAll)
                {
                    return null;
                }

                return _messages[Math.Max(0, _messages.Count - query.Limit)..].ToArray();
        }
    }
}
