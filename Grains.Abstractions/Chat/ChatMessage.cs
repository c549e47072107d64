namespace GrainChat.Chat;

/// <summary>
/// A stored chat message. <see cref="Id"/> is the per-room sequence number: strictly increasing, no gaps. A deleted
/// message keeps its id as a tombstone with no text. <see cref="Revision"/> grows with every change (edit, delete,
/// reaction) within its room, so a client can ask for what changed since the last revision it saw.
/// </summary>
public sealed record ChatMessage(long Id, string RoomId, string Sender, string Text, DateTimeOffset Timestamp, string? ClientMessageId)
{
    /// <summary>The id of the earlier message of the same room this one answers, if any.</summary>
    public long? ReplyTo { get; init; }

    public DateTimeOffset? EditedAt { get; init; }

    public bool Deleted { get; init; }

    public IReadOnlyList<ReactionCount> Reactions { get; init; } = [];

    /// <summary>Members named as <c>@username</c> in the text.</summary>
    public IReadOnlyList<string> Mentions { get; init; } = [];

    /// <summary>0 for a message never changed; otherwise the room's change counter at its last change.</summary>
    public long Revision { get; init; }

    // A message is a value: two copies with the same reactions and mentions are equal, whatever list holds them.
    public bool Equals(ChatMessage? other) =>
        other is not null
        && Id == other.Id && RoomId == other.RoomId && Sender == other.Sender && Text == other.Text
        && Timestamp == other.Timestamp && ClientMessageId == other.ClientMessageId && ReplyTo == other.ReplyTo
        && EditedAt == other.EditedAt && Deleted == other.Deleted && Revision == other.Revision
        && Reactions.SequenceEqual(other.Reactions) && Mentions.SequenceEqual(other.Mentions, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(RoomId, Id, Revision);
}

/// <summary>One emoji on a message: how many reacted with it, and who.</summary>
public sealed record ReactionCount(string Emoji, int Count, IReadOnlyList<string> Users)
{
    public bool Equals(ReactionCount? other) =>
        other is not null && Emoji == other.Emoji && Count == other.Count && Users.SequenceEqual(other.Users, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Emoji, Count);
}

/// <summary>The answer to a send: the stored message, and whether this call stored it (false: a repeat of a clientMessageId).</summary>
public sealed record PostResult(ChatMessage Message, bool Created);

/// <summary>A message's reactions after a change.</summary>
public sealed record MessageReactions(string RoomId, long Id, IReadOnlyList<ReactionCount> Reactions);

/// <summary>A user's read marker in a room: every message up to <see cref="LastReadId"/> is read.</summary>
public sealed record ReadMarker(string RoomId, long LastReadId);
