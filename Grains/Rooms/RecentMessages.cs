using GrainChat.Chat;

namespace GrainChat.Grains.Rooms;

/// <summary>
/// The latest messages of a room, contiguous by id, so that a history read it can answer in full is answered
/// from memory; any other read goes to the message log. Messages are added by the message log's writer while
/// reads run in the room's turns, hence the lock.
/// </summary>
internal sealed class RecentMessages(int capacity)
{
    private readonly object _lock = new();
    private readonly List<ChatMessage> _messages = new(capacity);
    private long _lastId;
    private bool _loaded;

    public bool IsLoaded
    {
        get
        {
            lock (_lock)
            {
                return _loaded;
            }
        }
    }

    /// <summary>The id of the room's latest stored message when the activation starts.</summary>
    public void StartAfter(long lastId)
    {
        lock (_lock)
        {
            _lastId = lastId;
        }
    }

    /// <summary>Takes the latest messages read from the log, if nothing newer was stored meanwhile.</summary>
    public void Load(IReadOnlyList<ChatMessage> latest)
    {
        lock (_lock)
        {
            var newest = latest.Count == 0 ? 0 : latest[^1].Id;
            if (_loaded || newest != _lastId)
            {
                return;
            }

            _messages.Clear();
            _messages.AddRange(latest);
            _loaded = true;
        }
    }

    public void Add(ChatMessage message)
    {
        lock (_lock)
        {
            if (message.Id != _lastId + 1)
            {
                // Another node wrote to this room: what is in memory is no longer the whole tail.
                _loaded = false;
                _messages.Clear();
            }

            _lastId = message.Id;
            if (!_loaded)
            {
                return;
            }

            _messages.Add(message);
            if (_messages.Count > capacity)
            {
                _messages.RemoveAt(0);
            }
        }
    }

    /// <summary>The page, or null when memory cannot answer it completely.</summary>
    public IReadOnlyList<ChatMessage>? TryRead(HistoryQuery query)
    {
        lock (_lock)
        {
            if (!_loaded)
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
}
