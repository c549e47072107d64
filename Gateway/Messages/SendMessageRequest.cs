using GrainChat.Chat;

namespace GrainChat.Gateway.Messages;

/// <summary>The body of a send, to a room or a user: <c>{text, clientMessageId?, replyTo?}</c> (replies only in rooms and conversations by id).</summary>
internal sealed record SendMessageRequest(string? Text, string? ClientMessageId, long? ReplyTo = null);

/// <summary>The body of an edit: <c>{text}</c>.</summary>
internal sealed record EditMessageRequest(string? Text);

/// <summary>The body of <c>POST /api/rooms/{roomId}/read</c>: <c>{messageId}</c>.</summary>
internal sealed record MarkReadRequest(long? MessageId);

/// <summary>A page of changed messages: <c>{roomId, messages}</c>, oldest change first.</summary>
internal sealed record ChangesPage(string RoomId, IReadOnlyList<ChatMessage> Messages);
