namespace GrainChat.Chat;

/// <summary>A room as listed: <c>{roomId, roomName, memberCount, createdBy, createdAt}</c>.</summary>
public sealed record RoomSummary(string RoomId, string RoomName, int MemberCount, string CreatedBy, DateTimeOffset CreatedAt)
{
    /// <summary>In the caller's own room list only: their read marker, the messages after it others sent, and how many of those mention them.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? LastReadId { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? UnreadCount { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? MentionCount { get; init; }
}

public sealed record MemberPresence(string Username, bool Online);

/// <summary>A room with its members and whether each is online.</summary>
public sealed record RoomDetails(string RoomId, string RoomName, int MemberCount, string CreatedBy, DateTimeOffset CreatedAt, IReadOnlyList<MemberPresence> Members);

/// <summary>What a room grain knows about itself (no presence).</summary>
public sealed record RoomInfo(string RoomId, string RoomName, string CreatedBy, DateTimeOffset CreatedAt, IReadOnlyList<string> Members, bool IsDirect)
{
    public RoomSummary ToSummary() => new(RoomId, RoomName, Members.Count, CreatedBy, CreatedAt);
}

/// <summary>A page of history, ascending by id.</summary>
public sealed record MessagePage(string RoomId, IReadOnlyList<ChatMessage> Messages);

/// <summary>Which page of history to read: after an id, before an id, or (neither) the latest.</summary>
public sealed record HistoryQuery(long? After, long? Before, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static HistoryQuery Latest(int limit = DefaultLimit) => new(null, null, limit);
}

/// <summary>A direct conversation as listed by <c>GET /api/dm</c>.</summary>
public sealed record DirectConversation(string RoomId, string With, ChatMessage? LastMessage);
