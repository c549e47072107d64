namespace GrainChat.Gateway.Realtime;

/// <summary>
/// A hub group's members on this node. Membership changes under the lifetime manager's group lock; sends read an
/// array of the members taken at the first send after the last change, so a send to a group allocates nothing and
/// walks no hash buckets.
/// </summary>
internal sealed class HubGroup
{
    private readonly Dictionary<string, ConnectionOutbox> _members = new(StringComparer.Ordinal);
    private ConnectionOutbox[]? _snapshot;

    /// <summary>Under the group lock.</summary>
    public bool IsEmpty => _members.Count == 0;

    /// <summary>Under the group lock.</summary>
    public void Add(string connectionId, ConnectionOutbox outbox)
    {
        _members[connectionId] = outbox;
        Volatile.Write(ref _snapshot, null);
    }

    /// <summary>Under the group lock.</summary>
    public bool Remove(string connectionId)
    {
        if (!_members.Remove(connectionId))
        {
            return false;
        }

        Volatile.Write(ref _snapshot, null);
        return true;
    }

    /// <summary>The members as of the last change; a send racing a change sees the group before or after it.</summary>
    public ConnectionOutbox[] Members(object groupLock)
    {
        if (Volatile.Read(ref _snapshot) is { } members)
        {
            return members;
        }

        lock (groupLock)
        {
            return _snapshot ??= [.. _members.Values];
        }
    }
}
