using GrainChat.Chat;
using GrainChat.Runtime.Streams;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// Subscribes to a room's stream while at least one connection on this node follows the room (and to a user's
/// stream while the user has a connection here), and forwards each event to the matching SignalR group.
/// Delivery is one event at a time per stream, so members see a room's messages in id order.
/// </summary>
internal sealed partial class StreamHubBridge(
    IStreamProvider streams,
    IHubContext<ChatHub, IChatClient> hub,
    ConnectionRegistry connections,
    ILogger<StreamHubBridge> logger)
{
    private readonly Dictionary<StreamId, Subscription> _subscriptions = [];

    public static string RoomGroup(string roomId) => $"room:{roomId}";

    public static string UserGroup(string userKey) => $"user:{userKey}";

    /// <summary>Adds the connection to the room's group, subscribing to the room when it is the first here.</summary>
    public async Task FollowRoomAsync(ChatConnection connection, string roomId)
    {
        if (!connection.Follow(roomId))
        {
            return;
        }

        await hub.Groups.AddToGroupAsync(connection.ConnectionId, RoomGroup(roomId));
        await AcquireAsync<RoomEvent>(StreamId.Create(ChatStreams.RoomNamespace, roomId), ForwardRoomEventAsync);
    }

    public async Task UnfollowRoomAsync(ChatConnection connection, string roomId)
    {
        if (!connection.Unfollow(roomId))
        {
            return;
        }

        await hub.Groups.RemoveFromGroupAsync(connection.ConnectionId, RoomGroup(roomId));
        await ReleaseAsync(StreamId.Create(ChatStreams.RoomNamespace, roomId));
    }

    public async Task FollowUserAsync(ChatConnection connection)
    {
        await hub.Groups.AddToGroupAsync(connection.ConnectionId, UserGroup(connection.UserKey));
        await AcquireAsync<UserEvent>(StreamId.Create(ChatStreams.UserNamespace, connection.UserKey), ForwardUserEventAsync);
    }

    /// <summary>Stops everything the connection followed (it is closing).</summary>
    public async Task ForgetAsync(ChatConnection connection)
    {
        foreach (var roomId in connection.UnfollowAll())
        {
            await ReleaseAsync(StreamId.Create(ChatStreams.RoomNamespace, roomId));
        }

        await ReleaseAsync(StreamId.Create(ChatStreams.UserNamespace, connection.UserKey));
    }

    public int SubscriptionCount
    {
        get
        {
            lock (_subscriptions)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>Counts one more follower of the stream, subscribing on the first; completes once the subscription is live.</summary>
    private Task AcquireAsync<T>(StreamId streamId, Func<T, StreamSequenceToken, Task> forward)
    {
        Subscription subscription;
        lock (_subscriptions)
        {
            if (!_subscriptions.TryGetValue(streamId, out subscription!))
            {
                subscription = new Subscription(SubscribeAsync(streamId, forward));
                _subscriptions[streamId] = subscription;
            }

            subscription.References++;
        }

        return subscription.Live;
    }

    private async Task<Func<Task>> SubscribeAsync<T>(StreamId streamId, Func<T, StreamSequenceToken, Task> forward) =>
        (await streams.GetStream<T>(streamId).SubscribeAsync(forward)).UnsubscribeAsync;

    private async Task ReleaseAsync(StreamId streamId)
    {
        Subscription? ended = null;
        lock (_subscriptions)
        {
            if (_subscriptions.TryGetValue(streamId, out var subscription) && --subscription.References == 0)
            {
                _subscriptions.Remove(streamId);
                ended = subscription;
            }
        }

        if (ended is not null)
        {
            var unsubscribe = await ended.Live;
            await unsubscribe();
        }
    }

    private Task ForwardRoomEventAsync(RoomEvent roomEvent, StreamSequenceToken token)
    {
        var group = hub.Clients.Group(RoomGroup(roomEvent.RoomId));
        return roomEvent switch
        {
            MessageReceived received => ForwardMessage(group, received.Message),
            UserJoined joined => group.UserJoined(new RoomMemberEvent(joined.RoomId, joined.Username)),
            UserLeft left => group.UserLeft(new RoomMemberEvent(left.RoomId, left.Username)),
            PresenceChanged presence => group.PresenceChanged(new PresenceEvent(presence.Username, presence.Online)),
            UserTyping typing => hub.Clients.GroupExcept(RoomGroup(typing.RoomId), ConnectionsOf(typing.Username)).UserTyping(new RoomMemberEvent(typing.RoomId, typing.Username)),
            _ => ForwardChangeAsync(group, roomEvent),
        };
    }

    private static Task ForwardMessage(IChatClient group, ChatMessage message)
    {
        MessagePathTrace.Mark(MessagePathStage.DeliveryStarted, message.Text);
        var handedOver = group.MessageReceived(message);
        MessagePathTrace.Mark(MessagePathStage.Delivered, message.Text);
        return handedOver;
    }

    /// <summary>A change to a message, to a room's group or (in a direct conversation) to a user's.</summary>
    private static Task ForwardChangeAsync(IChatClient clients, RoomEvent change) => change switch
    {
        MessageEdited edited => clients.MessageEdited(edited.Message),
        MessageDeleted deleted => clients.MessageDeleted(new MessageRef(deleted.RoomId, deleted.Id)),
        ReactionsChanged reactions => clients.ReactionsChanged(new MessageReactions(reactions.RoomId, reactions.Id, reactions.Reactions)),
        _ => Task.CompletedTask,
    };

    private string[] ConnectionsOf(string username) => [.. connections.OfUser(ChatKeys.UserKey(username)).Select(c => c.ConnectionId)];

    private async Task ForwardUserEventAsync(UserEvent userEvent, StreamSequenceToken token)
    {
        switch (userEvent)
        {
            case DirectMessageReceived direct:
                await hub.Clients.Group(UserGroup(direct.Username)).DirectMessageReceived(direct.Message);
                break;
            case Mentioned mentioned:
                await hub.Clients.Group(UserGroup(mentioned.Username)).Mentioned(mentioned.Message);
                break;
            case ReadMarkerChanged marker:
                await hub.Clients.Group(UserGroup(marker.Username)).ReadMarkerChanged(new ReadMarker(marker.RoomId, marker.LastReadId));
                break;
            case DirectRoomChanged { Change: UserTyping typing } direct:
                if (!string.Equals(ChatKeys.UserKey(typing.Username), direct.Username, StringComparison.Ordinal))
                {
                    await hub.Clients.Group(UserGroup(direct.Username)).UserTyping(new RoomMemberEvent(typing.RoomId, typing.Username));
                }

                break;
            case DirectRoomChanged direct:
                await ForwardChangeAsync(hub.Clients.Group(UserGroup(direct.Username)), direct.Change);
                break;
            case LobbySessionUpdated updated:
                await hub.Clients.Group(UserGroup(updated.Username)).LobbySessionUpdated(updated.Session);
                break;
            case MembershipChanged membership:
                foreach (var connection in connections.OfUser(ChatKeys.UserKey(membership.Username)))
                {
                    await (membership.IsMember ? FollowRoomAsync(connection, membership.RoomId) : UnfollowRoomAsync(connection, membership.RoomId));
                }

                break;
            case SessionRevoked revoked:
                foreach (var connection in connections.OfUser(ChatKeys.UserKey(revoked.Username)).Where(c => string.Equals(c.SessionId, revoked.SessionId, StringComparison.Ordinal)))
                {
                    LogClosingRevoked(logger, connection.ConnectionId, connection.Username);
                    connection.Revoke();
                }

                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closing connection {ConnectionId} of {Username}: its session has ended")]
    private static partial void LogClosingRevoked(ILogger logger, string connectionId, string username);

    private sealed class Subscription(Task<Func<Task>> live)
    {
        public int References { get; set; }

        /// <summary>Completes once the subscription is live, with the action that ends it.</summary>
        public Task<Func<Task>> Live { get; } = live;
    }
}
