using System.Text.Json;
using GrainChat.Chat;
using GrainChat.Lobby;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// The events the hub sends to chat clients, by name (a strongly typed hub client). Operators' <c>admin:*</c>
/// events cannot be C# method names; they are sent by name in Operators/OperatorEvents. Public because SignalR
/// builds the typed client proxy at run time.
/// </summary>
public interface IChatClient
{
    /// <summary>To every connection of every member of the room.</summary>
    Task MessageReceived(ChatMessage message);

    /// <summary>To every connection of both users of a direct conversation.</summary>
    Task DirectMessageReceived(ChatMessage message);

    Task UserJoined(RoomMemberEvent member);

    Task UserLeft(RoomMemberEvent member);

    /// <summary>To the members of every room the user is in.</summary>
    Task PresenceChanged(PresenceEvent presence);

    /// <summary>To the members (both users of a direct conversation): the message with its new text.</summary>
    Task MessageEdited(ChatMessage message);

    Task MessageDeleted(MessageRef message);

    Task ReactionsChanged(MessageReactions reactions);

    /// <summary>To the other members' connections; not stored.</summary>
    Task UserTyping(RoomMemberEvent typing);

    /// <summary>To every connection of the user, when any of them moved the marker.</summary>
    Task ReadMarkerChanged(ReadMarker marker);

    /// <summary>To every connection of a member named in the message.</summary>
    Task Mentioned(ChatMessage message);

    /// <summary>To the session's players, after every change of the session.</summary>
    Task LobbySessionUpdated(LobbySession session);

    /// <summary>The hub's <c>Message(data)</c>: to all connections, the sender's included.</summary>
    Task Message(HubDataEvent message);

    /// <summary>The hub's <c>Broadcast(data)</c>: to all connections but the sender's.</summary>
    Task Broadcast(HubDataEvent broadcast);
}

/// <summary><c>{roomId, id}</c>.</summary>
public sealed record MessageRef(string RoomId, long Id);

/// <summary><c>{roomId, username}</c>.</summary>
public sealed record RoomMemberEvent(string RoomId, string Username);

/// <summary><c>{username, online}</c>.</summary>
public sealed record PresenceEvent(string Username, bool Online);

/// <summary><c>{from, data}</c>: data as the client sent it.</summary>
public sealed record HubDataEvent(string From, JsonElement Data);
