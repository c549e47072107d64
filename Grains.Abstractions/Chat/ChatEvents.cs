using System.Text.Json.Serialization;

namespace GrainChat.Chat;

/// <summary>Events on a room's stream (<c>room/&lt;roomId&gt;</c>), forwarded to the hub under the same names.</summary>
[JsonDerivedType(typeof(MessageReceived), nameof(MessageReceived))]
[JsonDerivedType(typeof(UserJoined), nameof(UserJoined))]
[JsonDerivedType(typeof(UserLeft), nameof(UserLeft))]
[JsonDerivedType(typeof(PresenceChanged), nameof(PresenceChanged))]
public abstract record RoomEvent(string RoomId);

public sealed record MessageReceived(ChatMessage Message) : RoomEvent(Message.RoomId);

public sealed record UserJoined(string RoomId, string Username) : RoomEvent(RoomId);

public sealed record UserLeft(string RoomId, string Username) : RoomEvent(RoomId);

public sealed record PresenceChanged(string RoomId, string Username, bool Online) : RoomEvent(RoomId);

/// <summary>Events on a user's stream (<c>user/&lt;name&gt;</c>): direct messages and personal notices.</summary>
[JsonDerivedType(typeof(DirectMessageReceived), nameof(DirectMessageReceived))]
[JsonDerivedType(typeof(MembershipChanged), nameof(MembershipChanged))]
[JsonDerivedType(typeof(SessionRevoked), nameof(SessionRevoked))]
[JsonDerivedType(typeof(LobbySessionUpdated), nameof(LobbySessionUpdated))]
public abstract record UserEvent(string Username);

public sealed record DirectMessageReceived(string Username, ChatMessage Message) : UserEvent(Username);

/// <summary>The user joined or left a room (from any connection), so every connection of theirs follows.</summary>
public sealed record MembershipChanged(string Username, string RoomId, bool IsMember) : UserEvent(Username);

/// <summary>A session was ended by logout: the connections that belong to it must close.</summary>
public sealed record SessionRevoked(string Username, string SessionId) : UserEvent(Username);

public static class ChatStreams
{
    public const string RoomNamespace = "room";
    public const string UserNamespace = "user";
}

/// <summary>A session the user plays in changed; forwarded to the hub as <c>LobbySessionUpdated(S)</c>.</summary>
public sealed record LobbySessionUpdated(string Username, GrainChat.Lobby.LobbySession Session) : UserEvent(Username);
