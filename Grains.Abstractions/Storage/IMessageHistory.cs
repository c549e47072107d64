using GrainChat.Chat;

namespace GrainChat.Storage;

/// <summary>Reads of the message log: pages of a room's history and the counts on <c>/api/metrics</c>.</summary>
public interface IMessageHistory
{
    /// <summary>A page of a room's history, ascending by id.</summary>
    Task<IReadOnlyList<ChatMessage>> ReadAsync(string roomId, HistoryQuery query);

    /// <summary>Messages stored in all, and since <paramref name="since"/>.</summary>
    Task<MessageCounts> CountAsync(DateTimeOffset since);
}

public readonly record struct MessageCounts(long Total, long Since);
