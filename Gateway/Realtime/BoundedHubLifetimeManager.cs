using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GrainChat.Gateway.Metrics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// This node's connections and groups, like SignalR's default lifetime manager, except that a send never waits
/// for a slow connection: each connection has its own <see cref="ConnectionOutbox"/>, and one that overflows is
/// closed and counted (<c>grainchat.gateway.slow_connections_closed</c>). A message is serialized once for all
/// its recipients. Client results (a server invoking a client and awaiting its answer) are not used here.
/// </summary>
internal sealed partial class BoundedHubLifetimeManager<THub> : HubLifetimeManager<THub>
    where THub : Hub
{
    private readonly ConcurrentDictionary<string, ConnectionOutbox> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HubGroup> _groups = new(StringComparer.Ordinal);

    // Group membership changes take this lock (sends read the dictionaries without it): an add can then never land
    // in a group that is being dropped as empty, nor in the groups of a connection that has just gone.
    private readonly object _groupChanges = new();
    private readonly int _capacity;
    private readonly Counter<long> _slowClosed;
    private readonly ILogger _logger;

    public BoundedHubLifetimeManager(IOptions<ConnectionLimitOptions> options, IMeterFactory meters, ILogger<BoundedHubLifetimeManager<THub>> logger)
    {
        _capacity = Math.Max(1, options.Value.OutboxMessages);
        _slowClosed = meters.Create(ChatTraffic.MeterName).CreateCounter<long>(
            "grainchat.gateway.slow_connections_closed", "{connection}", "Connections closed because they stopped reading");
        _logger = logger;
    }

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _connections[connection.ConnectionId] = new ConnectionOutbox(connection, _capacity, OnOverflow);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (_connections.TryRemove(connection.ConnectionId, out var outbox))
        {
            lock (_groupChanges)
            {
                foreach (var groupName in outbox.Groups!)
                {
                    RemoveMember(groupName, connection.ConnectionId);
                }

                outbox.Groups = null;
            }
        }

        return Task.CompletedTask;
    }

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_connections.TryGetValue(connectionId, out var outbox))
        {
            lock (_groupChanges)
            {
                if (outbox.Groups?.Add(groupName) == true)
                {
                    _groups.GetOrAdd(groupName, static _ => new HubGroup()).Add(connectionId, outbox);
                }
            }
        }

        return Task.CompletedTask;
    }

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_connections.TryGetValue(connectionId, out var outbox))
        {
            lock (_groupChanges)
            {
                if (outbox.Groups?.Remove(groupName) == true)
                {
                    RemoveMember(groupName, connectionId);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Under the group lock: an emptied group goes, so a node's groups are those someone is in.</summary>
    private void RemoveMember(string groupName, string connectionId)
    {
        if (_groups.TryGetValue(groupName, out var group) && group.Remove(connectionId) && group.IsEmpty)
        {
            _groups.TryRemove(groupName, out _);
        }
    }

    /// <summary>Whether the group has a member on this node (a group without members is not kept).</summary>
    public bool HasGroup(string groupName) => _groups.ContainsKey(groupName);

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Post(All(), methodName, args);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        Post(All().Where(c => !excludedConnectionIds.Contains(c.Connection.ConnectionId)), methodName, args);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Post(_connections.TryGetValue(connectionId, out var outbox) ? [outbox] : [], methodName, args);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Post(connectionIds.Select(id => _connections.GetValueOrDefault(id)).OfType<ConnectionOutbox>(), methodName, args);

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Post(Members(groupName), methodName, args);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Post(groupNames.SelectMany(Members).Distinct(), methodName, args);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        Post(Members(groupName).Where(c => !excludedConnectionIds.Contains(c.Connection.ConnectionId)), methodName, args);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Post(All().Where(c => string.Equals(c.Connection.UserIdentifier, userId, StringComparison.Ordinal)), methodName, args);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        Post(All().Where(c => c.Connection.UserIdentifier is { } user && userIds.Contains(user)), methodName, args);

    // Enumerating the dictionaries themselves: their Values property copies every entry into a new list.
    private IEnumerable<ConnectionOutbox> All() => _connections.Select(c => c.Value);

    private ConnectionOutbox[] Members(string groupName) =>
        _groups.TryGetValue(groupName, out var group) ? group.Members(_groupChanges) : [];

    private static Task Post(IEnumerable<ConnectionOutbox> recipients, string methodName, object?[] args) =>
        Post([.. recipients], methodName, args);

    private static Task Post(ConnectionOutbox[] recipients, string methodName, object?[] args)
    {
        if (recipients.Length > 0)
        {
            var message = new SerializedHubMessage(new InvocationMessage(methodName, args));
            foreach (var outbox in recipients)
            {
                outbox.Post(message);
            }
        }

        return Task.CompletedTask;
    }

    private void OnOverflow(HubConnectionContext connection)
    {
        _slowClosed.Add(1);
        LogSlowClosed(_logger, connection.ConnectionId, _capacity);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing connection {ConnectionId}: it stopped reading and {Capacity} messages were waiting for it")]
    private static partial void LogSlowClosed(ILogger logger, string connectionId, int capacity);
}
