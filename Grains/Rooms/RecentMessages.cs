using GrainChat.Chat;

namespace GrainChat.Grains.Rooms;

/// <summary>
/// The latest messages of a room, contiguous by id, so that a history read it can answer in full is answered
/// from memory; any other read goes to the message history. Changed only in the room's exclusive turns and
/// read in its read-only turns, which never overlap them, so it needs no lock.
/// </summary>
internal sealed class RecentMessages(int capacity)
{
    private readonly List<ChatMessage> _messages = new(capacity);
    private long _lastId;
    private bool _trusted = true;

    /// <summary>Starts from the room's latest stored messages (ascending by id), when the activation starts.</summary>
    public void StartFrom(IReadOnlyList<ChatMessage> latest)
    {
        _messages.Clear();
        _messages.AddRange(latest.TakeLast(capacity));
        _lastId = latest.Count == 0 ? 0 : latest[^1].Id;
    }

    /// <summary>
    /// Adds the next message this activation stored. One that does not follow the last one held shows that
    /// another activation of the room (on another node) stores messages too: from then on memory is never the
    /// whole tail, and every read goes to storage.
    /// </summary>
    public void Add(ChatMessage message)
    {
        if (!_trusted)
        {
            return;
        }

        if (message.Id != _lastId + 1)
        {
            _trusted = false;
            _messages.Clear();
            return;
        }

        _lastId = message.Id;
        _messages.Add(message);
        if (_messages.Count > capacity)
        {
            _messages.RemoveAt(0);
        }
    }

    /// <summary>Replaces a held message by its changed version (edit, delete, reactions).</summary>
    public void Replace(ChatMessage changed)
    {
        var index = _messages.FindIndex(m => m.Id == changed.Id);
        if (index >= 0)
        {
            _messages[index] = changed;
        }
    }

    /// <summary>The last id this activation knows of, or null when memory is not trusted.</summary>
    public long? LastId => _trusted ? _lastId : null;

    /// <summary>The page, or null when memory cannot answer it completely.</summary>
    public IReadOnlyList<ChatMessage>? TryRead(HistoryQuery query)
    {
        if (!_trusted)
        {
            return null;
        }

        var holdsAll = _messages.Count == 0 || _messages[0].Id == 1;
        var firstId = _messages.Count == 0 ? _lastId + 1 : _messages[0].Id;
        switch (query)
        {
            case { After: { } after }:
                return after + 1 < firstId && !holdsAll ? null : _messages.Where(m => m.Id > after).Take(query.Limit).ToArray();

            case { Before: { } before }:
                var older = _messages.Where(m => m.Id < before).ToArray();
                return older.Length < query.Limit && !holdsAll ? null : older[Math.Max(0, older.Length - query.Limit)..];

            default:
                return _messages.Count < query.Limit && !holdsAll ? null : _messages[Math.Max(0, _messages.Count - query.Limit)..].ToArray();
        }
    }
}
