using System.Text.Json;
using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Chat;
using GrainChat.Gateway.Metrics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Hubs;

/// <summary>
/// The SignalR hub (DESIGN.md §5). On connect a connection follows every room of its user; events reach it
/// from the grains' streams through <see cref="StreamHubBridge"/>. Every method answers with an
/// acknowledgement; a bad argument is a <see cref="HubException"/> and the connection stays open.
/// </summary>
[Authorize]
internal sealed partial class ChatHub(
    ChatService chat,
    ConnectionRegistry connections,
    StreamHubBridge bridge,
    ChatTraffic traffic,
    TimeProvider time,
    ILogger<ChatHub> logger) : Hub
{
    public const string Path = "/hubs/chat";

    /// <summary>The group of admins' connections, which receive the <c>admin:*</c> events.</summary>
    public const string AdminGroup = "admins";

    public override async Task OnConnectedAsync()
    {
        var user = Context.User!;
        var username = user.Username();
        var http = Context.GetHttpContext();
        var connection = new ChatConnection(Context, username, ChatLimits.UserKey(username), user.SessionIdOf(), http?.Connection.RemoteIpAddress?.ToString(), time.GetUtcNow(), user.IsAdmin());
        connections.Add(connection);
        traffic.Connected();

        if (connection.IsAdmin)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, AdminGroup);
        }

        await bridge.FollowUserAsync(connection);
        await chat.User(username).ConnectedAsync(Context.ConnectionId, connection.SessionId);
        var profile = await chat.User(username).GetProfileAsync();
        foreach (var roomId in profile?.Rooms ?? [])
        {
            await bridge.FollowRoomAsync(connection, roomId);
        }

        if (connections.HasAdmins)
        {
            await Clients.Group(AdminGroup).SendAsync("admin:connection", ConnectionView.Of(connection));
        }

        LogConnected(logger, Context.ConnectionId, username);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (connections.Remove(Context.ConnectionId) is not { } connection)
        {
            return;
        }

        traffic.Disconnected();
        await bridge.ForgetAsync(connection);
        await chat.User(connection.Username).DisconnectedAsync(Context.ConnectionId);
        if (connections.HasAdmins)
        {
            await Clients.Group(AdminGroup).SendAsync("admin:disconnection", new { connectionId = Context.ConnectionId, username = connection.Username });
        }

        LogDisconnected(logger, Context.ConnectionId, connection.Username);
    }

    public async Task<object> JoinRoom(string roomId)
    {
        var room = await chat.JoinAsync(Username, RequireRoomId(roomId));
        await bridge.FollowRoomAsync(Current, room.RoomId);
        return new { status = "joined", roomId = room.RoomId, roomName = room.RoomName };
    }

    public async Task<object> LeaveRoom(string roomId)
    {
        await chat.LeaveAsync(Username, RequireRoomId(roomId));
        await bridge.UnfollowRoomAsync(Current, roomId);
        return new { status = "left", roomId };
    }

    public async Task<ChatMessage> SendMessage(string roomId, string text, string? clientMessageId) =>
        (await chat.SendAsync(Username, RequireRoomId(roomId), text, clientMessageId)).Message;

    public async Task<ChatMessage> SendDirectMessage(string username, string text, string? clientMessageId)
    {
        ChatLimits.ValidateUsername(username);
        return (await chat.SendDirectAsync(Username, username, text, clientMessageId)).Message;
    }

    public async Task<IReadOnlyList<RoomSummary>> GetRooms()
    {
        var profile = await chat.User(Username).GetProfileAsync();
        var rooms = new List<RoomSummary>();
        foreach (var roomId in profile?.Rooms ?? [])
        {
            rooms.Add((await chat.Room(roomId).GetInfoAsync()).ToSummary());
        }

        return rooms;
    }

    public async Task<IReadOnlyList<MemberPresence>> GetUsersInRoom(string roomId)
    {
        var room = await chat.Room(RequireRoomId(roomId)).GetInfoAsync();
        if (!room.Members.Contains(Username, StringComparer.OrdinalIgnoreCase))
        {
            throw ChatException.Forbidden($"You are not a member of room '{roomId}'");
        }

        return await chat.MembersAsync(room);
    }

    public async Task<IReadOnlyList<ChatMessage>> GetNewMessages(string roomId, long lastMessageId)
    {
        var query = ChatService.History(lastMessageId, null, HistoryQuery.MaxLimit);
        return (await chat.Room(RequireRoomId(roomId)).GetMessagesAsync(Username, query)).Messages;
    }

    public object Ping()
    {
        traffic.Pinged();
        return new { status = "pong", connectionId = Context.ConnectionId };
    }

    public async Task<object> Message(JsonElement data)
    {
        await Clients.All.SendAsync("Message", new { from = Username, data });
        chat.RecordHubTraffic("message", Username, data.GetRawText());
        return new { status = "received", connectionId = Context.ConnectionId };
    }

    public async Task<object> Broadcast(JsonElement data)
    {
        await Clients.Others.SendAsync("Broadcast", new { from = Username, data });
        chat.RecordHubTraffic("broadcast", Username, data.GetRawText());
        return new { status = "broadcasted" };
    }

    private string Username => Context.User!.Username();

    private ChatConnection Current =>
        connections.Find(Context.ConnectionId) ?? throw new HubException("This connection is closing.");

    private static string RequireRoomId(string? roomId) =>
        string.IsNullOrWhiteSpace(roomId) || roomId.Length > 200 ? throw ChatException.Invalid("roomId is required", "roomId") : roomId;

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub connection {ConnectionId} opened by {Username}")]
    private static partial void LogConnected(ILogger logger, string connectionId, string username);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub connection {ConnectionId} of {Username} closed")]
    private static partial void LogDisconnected(ILogger logger, string connectionId, string username);
}
