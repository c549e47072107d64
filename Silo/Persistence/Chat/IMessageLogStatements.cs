using GrainChat.Chat;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>The statements the message log's writer runs for each message, inside the transaction of the batch in progress.</summary>
internal interface IMessageLogStatements
{
    /// <summary>The room's highest message id in the database (0 for a room without messages).</summary>
    ValueTask<long> LastIdAsync(string roomId);

    /// <summary>Inserts the message; false when a unique key refused it (a repeated client message id, or an id another node took).</summary>
    ValueTask<bool> TryInsertAsync(ChatMessage message);

    /// <summary>The stored message a repeated (room, sender, client message id) stands for.</summary>
    Task<ChatMessage?> FindAsync(string roomId, string sender, string clientMessageId);
}
