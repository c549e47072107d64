using GrainChat.Chat;

namespace GrainChat.Storage;

/// <summary>Full-text search over the message log (SQLite FTS5, PostgreSQL full-text search), kept in step with edits and deletions.</summary>
public interface IMessageSearch
{
    /// <summary>Messages of <paramref name="roomIds"/> (never others) matching every term, newest first.</summary>
    Task<IReadOnlyList<ChatMessage>> SearchAsync(SearchQuery query, IReadOnlyList<string> roomIds);
}
