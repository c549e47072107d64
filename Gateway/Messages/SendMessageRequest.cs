namespace GrainChat.Gateway.Messages;

/// <summary>The body of a send, to a room or a user: <c>{text, clientMessageId?}</c>.</summary>
internal sealed record SendMessageRequest(string? Text, string? ClientMessageId);
