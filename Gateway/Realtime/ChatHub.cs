using System.Text.Json;
using GrainChat.Chat;
using GrainChat.Gateway.Activity;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.DirectMessages;
using GrainChat.Gateway.Limits;
using GrainChat.Gateway.Messages;
using GrainChat.Gateway.Operators;
using GrainChat.Gateway.Rooms;
using GrainChat.Runtime;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// The SignalR hub at <see cref="Path"/>. On connect a connection follows every room of its user; events reach
/// it from the grains' streams through <see cref="StreamHubBridge"/>. Every method answers with an
/// acknowledgement; a bad argument is a <see cref="HubException"/> and the connection stays open.
/// </summary>
[Authorize]
internal sealed partial class ChatHub(
    IGrainFactory grains,
    MessageService messages,
    DirectMessageService directMessages,
    RoomService rooms,
    ConnectionRegistry connections,
    StreamHubBridge bridge,
    ChatActivity activity,
    ChatRateLimits limits,
    IOptions<ConnectionLimitOptions> connectionLimits,
    TimeProvider time,
    ILogger<ChatHub> logger) : Hub<IChatClient>
{
    public const string Path = "/hubs/chat";

    private const int RoomIdMaxLength = 200;

    public override async Task OnConnectedAsync()
    {
        var user = Context.User!;
        var username = user.Username();
        var http = Context.GetHttpContext();
        var connection = new ChatConnection(Context, username, ChatKeys.UserKey(username), user.SessionIdOf(), http?.Connection.RemoteIpAddress?.ToString(), time.GetUtcNow(), user.IsAdmin())
        {
            SessionCheckedAt = time.GetTimestamp(),
        };
        var connectionsOfUser = connections.Add(connection);
        var followingUser = false;
        try
        {
            if (connectionsOfUser > connectionLimits.Value.ConnectionsPerUser)
            {
                throw new HubException($"A user may hold at most {connectionLimits.Value.ConnectionsPerUser} connections at once; close one first");
            }

            if (connection.IsAdmin)
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, OperatorEvents.Group);
            }

            await bridge.FollowUserAsync(connection);
            followingUser = true;

            // A logout between the token check and here was announced before this connection listened: ask.
            if (!await grains.GetUserGrain(username).IsSessionActiveAsync(connection.SessionId))
            {
                throw new HubException("Your session has ended; sign in again");
            }

            await grains.GetPresenceGrain(username).ConnectedAsync(Context.ConnectionId, connection.SessionId);
            var profile = await grains.GetUserGrain(username).GetProfileAsync();
            foreach (var roomId in profile?.Rooms ?? [])
            {
                await bridge.FollowRoomAsync(connection, roomId);
            }
        }
        catch
        {
            // SignalR does not call OnDisconnectedAsync when this throws: undo everything here.
            connections.Remove(Context.ConnectionId);
            if (followingUser)
            {
                // Only what this connection took: the user's other connections share the user stream.
                await bridge.ForgetAsync(connection);
            }

            await ForgetPresenceAsync(username);
            throw;
        }

        await activity.ConnectionOpenedAsync(connection.ToView());
        LogConnected(logger, Context.ConnectionId, username);
    }

    /// <summary>Best effort: the presence grain may be what failed (its node unreachable), and the first error is the one to report.</summary>
    private async Task ForgetPresenceAsync(string username)
    {
        try
        {
            await grains.GetPresenceGrain(username).DisconnectedAsync(Context.ConnectionId);
        }
        catch (Exception exception)
        {
            LogPresenceNotUndone(logger, exception, Context.ConnectionId, username);
        }
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (connections.Remove(Context.ConnectionId) is not { } connection)
        {
            return;
        }

        await activity.ConnectionClosedAsync(Context.ConnectionId, connection.Username);
        await bridge.ForgetAsync(connection);
        await grains.GetPresenceGrain(connection.Username).DisconnectedAsync(Context.ConnectionId);
        LogDisconnected(logger, Context.ConnectionId, connection.Username);
    }

    public async Task<object> JoinRoom(string roomId)
    {
        var room = await rooms.JoinAsync(Username, RequireRoomId(roomId));
        await bridge.FollowRoomAsync(Current, room.RoomId);
        return new { status = "joined", roomId = room.RoomId, roomName = room.RoomName };
    }

    public async Task<object> LeaveRoom(string roomId)
    {
        await rooms.LeaveAsync(Username, RequireRoomId(roomId));
        await bridge.UnfollowRoomAsync(Current, roomId);
        return new { status = "left", roomId };
    }

    public async Task<ChatMessage> SendMessage(string roomId, string text, string? clientMessageId) =>
        (await messages.SendAsync(Username, RequireRoomId(roomId), text, clientMessageId)).Message;

    public async Task<ChatMessage> SendReply(string roomId, long replyTo, string text, string? clientMessageId) =>
        (await messages.SendAsync(Username, RequireRoomId(roomId), text, clientMessageId, replyTo)).Message;

    public Task<ChatMessage> EditMessage(string roomId, long id, string text) => messages.EditAsync(Username, RequireRoomId(roomId), id, text);

    public async Task<object> DeleteMessage(string roomId, long id)
    {
        await messages.DeleteAsync(Username, RequireRoomId(roomId), id, Context.User!.IsAdmin());
        return new { status = "deleted", roomId, id };
    }

    public Task<MessageReactions> React(string roomId, long id, string emoji, bool on) => messages.ReactAsync(Username, RequireRoomId(roomId), id, emoji, on);

    public async Task<object> Typing(string roomId)
    {
        await messages.TypingAsync(Username, RequireRoomId(roomId));
        return new { status = "ok" };
    }

    public Task<ReadMarker> MarkRead(string roomId, long messageId) => messages.MarkReadAsync(Username, RequireRoomId(roomId), messageId);

    /// <summary>Messages of the room changed after a revision (edits, deletions, reactions): the hub's catch-up on changes.</summary>
    public async Task<IReadOnlyList<ChatMessage>> GetChanges(string roomId, long revision) =>
        (await messages.ChangesAsync(Username, RequireRoomId(roomId), revision, HistoryQuery.MaxLimit)).Messages;

    public async Task<ChatMessage> SendDirectMessage(string username, string text, string? clientMessageId)
    {
        ChatLimits.ValidateUsername(username);
        return (await directMessages.SendAsync(Username, username, text, clientMessageId)).Message;
    }

    public Task<IReadOnlyList<RoomSummary>> GetRooms() => rooms.OfUserAsync(Username);

    public Task<IReadOnlyList<MemberPresence>> GetUsersInRoom(string roomId) => rooms.MembersAsync(Username, RequireRoomId(roomId));

    public async Task<IReadOnlyList<ChatMessage>> GetNewMessages(string roomId, long lastMessageId) =>
        (await messages.HistoryAsync(Username, RequireRoomId(roomId), MessageService.Query(lastMessageId, null, HistoryQuery.MaxLimit))).Messages;

    public object Ping()
    {
        activity.Pinged();
        return new { status = "pong", connectionId = Context.ConnectionId };
    }

    public async Task<object> Message(JsonElement data)
    {
        ThrowIfOverBroadcastLimits(data);
        await Clients.All.Message(new HubDataEvent(Username, data));
        activity.Traffic("message", Username, null, data.GetRawText());
        return new { status = "received", connectionId = Context.ConnectionId };
    }

    public async Task<object> Broadcast(JsonElement data)
    {
        ThrowIfOverBroadcastLimits(data);
        await Clients.Others.Broadcast(new HubDataEvent(Username, data));
        activity.Traffic("broadcast", Username, null, data.GetRawText());
        return new { status = "broadcasted" };
    }

    private string Username => Context.User!.Username();

    /// <summary><c>Message</c> and <c>Broadcast</c> reach every connection: a small payload, and a rate of their own.</summary>
    private void ThrowIfOverBroadcastLimits(JsonElement data)
    {
        var size = data.ValueKind == JsonValueKind.Undefined ? 0 : System.Text.Encoding.UTF8.GetByteCount(data.GetRawText());
        if (size > ChatLimits.BroadcastMaxBytes)
        {
            throw ChatException.Invalid($"A Message or Broadcast carries at most {ChatLimits.BroadcastMaxBytes / 1024} KB of data (this one: {size} bytes)", "data");
        }

        limits.Broadcasts.ThrowIfOver(ChatKeys.UserKey(Username));
    }

    private ChatConnection Current =>
        connections.Find(Context.ConnectionId) ?? throw new HubException("This connection is closing.");

    private static string RequireRoomId(string? roomId) =>
        string.IsNullOrWhiteSpace(roomId) || roomId.Length > RoomIdMaxLength || !ChatLimits.IsValidName(roomId)
            ? throw ChatException.Invalid("roomId is required: 1–200 characters, without control characters", "roomId")
            : roomId;

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub connection {ConnectionId} opened by {Username}")]
    private static partial void LogConnected(ILogger logger, string connectionId, string username);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub connection {ConnectionId} of {Username} closed")]
    private static partial void LogDisconnected(ILogger logger, string connectionId, string username);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub connection {ConnectionId} of {Username} failed to start and its presence could not be undone")]
    private static partial void LogPresenceNotUndone(ILogger logger, Exception exception, string connectionId, string username);
}
