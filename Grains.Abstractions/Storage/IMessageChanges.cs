using GrainChat.Chat;

namespace GrainChat.Storage;

/// <summary>
/// Changes to stored messages: edits, deletions (the message stays as a tombstone with its id), reactions. Each
/// change moves the message's <see cref="ChatMessage.Revision"/> to the room's next change number, so a client
/// can catch up on changes with <see cref="ChangedAfterAsync"/>. The room grain calls these in its turns.
/// </summary>
public interface IMessageChanges
{
    /// <summary>The message with its reactions, or null.</summary>
    Task<ChatMessage?> FindAsync(string roomId, long id);

    /// <summary>Replaces the text of a message that is not deleted; null when it is deleted (or absent) and nothing changed.</summary>
    Task<ChatMessage?> EditAsync(string roomId, long id, string text, IReadOnlyList<string> mentions, DateTimeOffset editedAt);

    /// <summary>Makes the message a tombstone (no text, no reactions); false when it already was one (or is absent).</summary>
    Task<bool> DeleteAsync(string roomId, long id);

    /// <summary>Adds or removes one user's reaction (idempotent); answers the message afterwards (null when absent).</summary>
    Task<ChatMessage?> SetReactionAsync(string roomId, long id, string emoji, string username, bool on, DateTimeOffset at);

    /// <summary>Messages of the room changed after <paramref name="revision"/>, oldest change first.</summary>
    Task<IReadOnlyList<ChatMessage>> ChangedAfterAsync(string roomId, long revision, int limit);
}
