using System.Text.Json.Serialization;

namespace GrainChat.Chat;

/// <summary>Events on a room's stream (<c>room/&lt;roomId&gt;</c>), forwarded to the hub under the same names.</summary>
[JsonDerivedType(typeof(MessageReceived), nameof(MessageReceived))]
[JsonDerivedType(typeof(UserJoined), nameof(UserJoined))]
[JsonDerivedType(typeof(UserLeft), nameof(UserLeft))]
[JsonDerivedType(typeof(PresenceChanged), nameof(PresenceChanged))]
[JsonDerivedType(typeof(MessageEdited), nameof(MessageEdited))]
[JsonDerivedType(typeof(MessageDeleted), nameof(MessageDeleted))]
[JsonDerivedType(typeof(ReactionsChanged), nameof(ReactionsChanged))]
[JsonDerivedType(typeof(UserTyping), nameof(UserTyping))]
public abstract record RoomEvent(string RoomId);

public sealed record MessageReceived(ChatMessage Message) : RoomEvent(Message.RoomId);

public sealed record UserJoined(string RoomId, string Username) : RoomEvent(RoomId);

public sealed record UserLeft(string RoomId, string Username) : RoomEvent(RoomId);

public sealed record PresenceChanged(string RoomId, string Username, bool Online) : RoomEvent(RoomId);

public sealed record MessageEdited(ChatMessage Message) : RoomEvent(Message.RoomId);

public sealed record MessageDeleted(string RoomId, long Id) : RoomEvent(RoomId);

public sealed record ReactionsChanged(string RoomId, long Id, IReadOnlyList<ReactionCount> Reactions) : RoomEvent(RoomId);

/// <summary>Not stored: a member is typing (forwarded at most once per <see cref="ChatLimits.TypingInterval"/> per user).</summary>
public sealed record UserTyping(string RoomId, string Username) : RoomEvent(RoomId);

/// <summary>Events on a user's stream (<c>user/&lt;name&gt;</c>): direct messages and personal notices.</summary>
[JsonDerivedType(typeof(DirectMessageReceived), nameof(DirectMessageReceived))]
[JsonDerivedType(typeof(MembershipChanged), nameof(MembershipChanged))]
[JsonDerivedType(typeof(SessionRevoked), nameof(SessionRevoked))]
[JsonDerivedType(typeof(LobbySessionUpdated), nameof(LobbySessionUpdated))]
[JsonDerivedType(typeof(Mentioned), nameof(Mentioned))]
[JsonDerivedType(typeof(ReadMarkerChanged), nameof(ReadMarkerChanged))]
[JsonDerivedType(typeof(DirectRoomChanged), nameof(DirectRoomChanged))]
public abstract record UserEvent(string Username);

public sealed record DirectMessageReceived(string Username, ChatMessage Message) : UserEvent(Username);

/// <summary>The user joined or left a room (from any connection), so every connection of theirs follows.</summary>
public sealed record MembershipChanged(string Username, string RoomId, bool IsMember) : UserEvent(Username);

/// <summary>The user was named in a message (<c>@username</c>).</summary>
public sealed record Mentioned(string Username, ChatMessage Message) : UserEvent(Username);

/// <summary>The user's read marker in a room moved (from any of their connections).</summary>
public sealed record ReadMarkerChanged(string Username, string RoomId, long LastReadId) : UserEvent(Username);

/// <summary>A change in a direct conversation (edit, delete, reactions, typing), which has no room stream: told to each of its two users.</summary>
public sealed record DirectRoomChanged(string Username, RoomEvent Change) : UserEvent(Username);

/// <summary>A session was ended by logout: the connections that belong to it must close.</summary>
public sealed record SessionRevoked(string Username, string SessionId) : UserEvent(Username);

public static class ChatStreams
{
    public const string RoomNamespace = "room";
    public const string UserNamespace = "user";
}

/// <summary>A session the user plays in changed; forwarded to the hub as <c>LobbySessionUpdated(S)</c>.</summary>
public sealed record LobbySessionUpdated(string Username, GrainChat.Lobby.LobbySession Session) : UserEvent(Username);
