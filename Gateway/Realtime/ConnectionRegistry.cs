using System.Collections.Concurrent;
using GrainChat.Gateway.Activity;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// The hub connections of this node: who they are, where from, which rooms they follow. Indexed by user too, so
/// a connect's per-user limit and an event for one user's connections cost the user's connections, not the node's.
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ChatConnection> _connections = new(StringComparer.Ordinal);

    // Changed under its own lock (a user's entry goes when its last connection does); read as copies.
    private readonly Dictionary<string, List<ChatConnection>> _byUser = new(StringComparer.Ordinal);
    private int _admins;

    /// <summary>Whether any admin is connected here, so admin events are worth sending at all.</summary>
    public bool HasAdmins => Volatile.Read(ref _admins) > 0;

    public IEnumerable<ChatConnection> All => _connections.Values;

    /// <summary>Adds the connection; returns how many connections its user now has here, this one included.</summary>
    public int Add(ChatConnection connection)
    {
        _connections[connection.ConnectionId] = connection;
        if (connection.IsAdmin)
        {
            Interlocked.Increment(ref _admins);
        }

        lock (_byUser)
        {
            if (!_byUser.TryGetValue(connection.UserKey, out var ofUser))
            {
                _byUser[connection.UserKey] = ofUser = [];
            }

            ofUser.Add(connection);
            return ofUser.Count;
        }
    }

    public ChatConnection? Remove(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection))
        {
            return null;
        }

        if (connection.IsAdmin)
        {
            Interlocked.Decrement(ref _admins);
        }

        lock (_byUser)
        {
            if (_byUser.TryGetValue(connection.UserKey, out var ofUser) && ofUser.Remove(connection) && ofUser.Count == 0)
            {
                _byUser.Remove(connection.UserKey);
            }
        }

        return connection;
    }

    public ChatConnection? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    public int CountOfUser(string userKey)
    {
        lock (_byUser)
        {
            return _byUser.TryGetValue(userKey, out var ofUser) ? ofUser.Count : 0;
        }
    }

    public ChatConnection[] OfUser(string userKey)
    {
        lock (_byUser)
        {
            return _byUser.TryGetValue(userKey, out var ofUser) ? [.. ofUser] : [];
        }
    }
}

/// <summary>One hub connection. Its room set changes under its own lock.</summary>
internal sealed class ChatConnection(HubCallerContext context, string username, string userKey, string sessionId, string? clientIp, DateTimeOffset connectedAt, bool isAdmin)
{
    private readonly HashSet<string> _rooms = new(StringComparer.Ordinal);
    private volatile bool _revoked;

    public HubCallerContext Context { get; } = context;

    public string ConnectionId => Context.ConnectionId;

    public string Username { get; } = username;

    public string UserKey { get; } = userKey;

    public string SessionId { get; } = sessionId;

    public string? ClientIp { get; } = clientIp;

    public DateTimeOffset ConnectedAt { get; } = connectedAt;

    public bool IsAdmin { get; } = isAdmin;

    /// <summary>Its login session has ended (logout or eviction): nothing more is accepted from it.</summary>
    public bool IsRevoked => _revoked;

    /// <summary>When the session was last confirmed live (a <see cref="TimeProvider"/> timestamp; 0 = at connect).</summary>
    public long SessionCheckedAt { get; set; }

    /// <summary>Keeps its hub invocations in the order it sent them.</summary>
    public InvocationSequence Invocations { get; } = new();

    /// <summary>Marks the session ended and closes the connection.</summary>
    public void Revoke()
    {
        _revoked = true;
        Context.Abort();
    }

    public string[] Rooms
    {
        get
        {
            lock (_rooms)
            {
                return [.. _rooms];
            }
        }
    }

    /// <summary>True when the room was not followed yet.</summary>
    public bool Follow(string roomId)
    {
        lock (_rooms)
        {
            return _rooms.Add(roomId);
        }
    }

    /// <summary>True when the room was followed.</summary>
    public bool Unfollow(string roomId)
    {
        lock (_rooms)
        {
            return _rooms.Remove(roomId);
        }
    }

    public ConnectionView ToView() => new(ConnectionId, Username, ClientIp, ConnectedAt, Rooms);

    public string[] UnfollowAll()
    {
        lock (_rooms)
        {
            var rooms = _rooms.ToArray();
            _rooms.Clear();
            return rooms;
        }
    }
}
