using GrainChat.Chat;

namespace GrainChat.Storage;

/// <summary>
/// The append-only log of chat messages: where a message becomes durable and gets its id. Messages are not
/// grain state; the room grain appends to the log and announces what it stored.
/// </summary>
public interface IMessageLog
{
    /// <summary>
    /// Stores a message durably and answers with it (<see cref="PostResult.Created"/>) or, for a repeated
    /// (room, sender, clientMessageId), with the one stored before, consuming no id. Ids are the room's last id
    /// plus one, in commit order, with no gaps; the task completes only after the commit.
    /// <paramref name="onCommitted"/> is called for each newly stored message, in commit order and before the
    /// append completes, on the log's own writer: it must only hand the message on (to
    /// <c>IGrainContext.ScheduleTurn</c>, say), never block and never touch grain state itself.
    /// </summary>
    Task<PostResult> AppendAsync(
        string roomId, string sender, string text, string? clientMessageId, Action<ChatMessage>? onCommitted = null, long? replyTo = null, IReadOnlyList<string>? mentions = null);
}
