using GrainChat.Runtime;

namespace GrainChat.Chat;

/// <summary>A room (or a direct conversation), keyed by its opaque room id.</summary>
public interface IRoomGrain : IGrainWithStringKey
{
    /// <summary>Creates the room with its creator as the first member; <see cref="ChatErrorCode.Conflict"/> when the name is taken.</summary>
    Task<RoomInfo> CreateAsync(string roomName, string creator);

    /// <summary>Creates, if need be, the direct conversation of two users.</summary>
    Task<RoomInfo> EnsureDirectAsync(string userA, string userB);

    /// <summary>Creates the chat room of a lobby session: not listed, joined only through the lobby, optionally with a robot.</summary>
    Task<RoomInfo> CreateSessionRoomAsync(string roomName, string host, string? robot);

    /// <summary>Adds or removes a member of a session room (the lobby keeps members equal to players).</summary>
    Task SetSessionMemberAsync(string username, bool isMember);

    /// <summary>The room, or <see cref="ChatErrorCode.NotFound"/>.</summary>
    [ReadOnly]
    Task<RoomInfo> GetInfoAsync();

    /// <summary>Adds a member (idempotent).</summary>
    Task<RoomInfo> JoinAsync(string username);

    Task LeaveAsync(string username);

    /// <summary>
    /// The room as <paramref name="username"/> may see it: anyone sees a listed room, but a direct conversation
    /// or a session's room is <see cref="ChatErrorCode.NotFound"/> for everyone but its members.
    /// </summary>
    [ReadOnly]
    Task<RoomInfo> GetInfoForAsync(string username);

    /// <summary>The member names, for a member; <see cref="ChatErrorCode.Forbidden"/> for anyone else.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> GetMembersAsync(string username);

    /// <summary>
    /// Checks the sender and the text, stores the message durably and answers once it is committed; a repeated
    /// clientMessageId returns the stored message. Interleaves with other calls, so a room has many messages in
    /// flight to the group commit at once; ids are given by the message log in commit order, and each stored
    /// message is published in a turn of its own, in that order.
    /// </summary>
    [AlwaysInterleave]
    Task<PostResult> PostAsync(string sender, string text, string? clientMessageId, long? replyTo = null);

    /// <summary>The sender replaces the text of their message; members get <see cref="MessageEdited"/>. Conflict when it is deleted.</summary>
    Task<ChatMessage> EditAsync(string username, long id, string text);

    /// <summary>The sender (or an admin) makes the message a tombstone; members get <see cref="MessageDeleted"/>. Deleting again changes nothing.</summary>
    Task DeleteAsync(string username, long id, bool asAdmin);

    /// <summary>A member adds (<paramref name="on"/>) or removes their reaction (idempotent); members get <see cref="ReactionsChanged"/> when it changed.</summary>
    Task<MessageReactions> ReactAsync(string username, long id, string emoji, bool on);

    /// <summary>Moves the member's read marker forward to <paramref name="messageId"/> (never back); their connections get <see cref="ReadMarkerChanged"/>.</summary>
    Task<ReadMarker> MarkReadAsync(string username, long messageId);

    /// <summary>Tells the other members that the member is typing (not stored; the caller throttles).</summary>
    [ReadOnly]
    Task TypingAsync(string username);

    /// <summary>For a member: messages changed (edited, deleted, reacted to) after <paramref name="revision"/>, oldest change first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<ChatMessage>> GetChangesAsync(string username, long revision, int limit);

    /// <summary>History for a member; <see cref="ChatErrorCode.Forbidden"/> for anyone else.</summary>
    [ReadOnly]
    Task<MessagePage> GetMessagesAsync(string username, HistoryQuery query);
}
