namespace GrainChat.Chat;

/// <summary>A stored chat message. <see cref="Id"/> is the per-room sequence number: strictly increasing, no gaps.</summary>
public sealed record ChatMessage(long Id, string RoomId, string Sender, string Text, DateTimeOffset Timestamp, string? ClientMessageId);

/// <summary>The answer to a send: the stored message, and whether this call stored it (false: a repeat of a clientMessageId).</summary>
public sealed record PostResult(ChatMessage Message, bool Created);
