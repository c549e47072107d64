using System.Data.Common;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>The SQL the message log's writer runs, shared by both ways it runs it (ADO.NET, SQLite's own statements).</summary>
internal static class MessageInsert
{
    private const string Into = "INSERT INTO messages (room_id, seq, sender, text, client_message_id, created_at, reply_to, mentions)";

    public const string Sql = Into + " VALUES (@room, @seq, @sender, @text, @client, @created, @replyTo, @mentions) ON CONFLICT DO NOTHING";

    /// <summary>SQLite's insert also gives the message its row id in the full-text index (<see cref="ChatSchema.SearchIds"/>).</summary>
    public const string SqliteSql =
        "INSERT INTO messages (room_id, seq, sender, text, client_message_id, created_at, reply_to, mentions, search_id)"
        + " VALUES (@room, @seq, @sender, @text, @client, @created, @replyTo, @mentions, @searchId) ON CONFLICT DO NOTHING";

    /// <summary>The highest search id handed out: the last entry of its unique index.</summary>
    public const string LastSearchIdSql = "SELECT COALESCE(MAX(search_id), 0) FROM messages";

    public const string LastIdSql = "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room_id = @room";

    /// <summary>The stored message a repeated (room, sender, client message id) stands for, read with <paramref name="command"/>.</summary>
    public static async Task<ChatMessage?> FindAsync(DbCommand command, string roomId, string sender, string clientMessageId)
    {
        command.CommandText = $"SELECT {MessageRows.Columns} FROM messages WHERE room_id = @room AND sender = @sender AND client_message_id = @client";
        command.AddParameter("room", roomId);
        command.AddParameter("sender", sender);
        command.AddParameter("client", clientMessageId);
        var found = await MessageRows.ReadAsync(command, CancellationToken.None).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>PostgreSQL: many messages in one statement, each column an array parameter; rows that conflict are skipped.</summary>
    public const string ManySql =
        Into + " SELECT * FROM unnest(@rooms, @seqs, @senders, @texts, @clients, @created, @replyTos, @mentions) ON CONFLICT DO NOTHING";

    public static void ForMany(DbCommand command, ChatMessage[] messages)
    {
        command.CommandText = ManySql;
        command.AddParameter("rooms", Array.ConvertAll(messages, m => m.RoomId));
        command.AddParameter("seqs", Array.ConvertAll(messages, m => m.Id));
        command.AddParameter("senders", Array.ConvertAll(messages, m => m.Sender));
        command.AddParameter("texts", Array.ConvertAll(messages, m => m.Text));
        command.AddParameter("clients", Array.ConvertAll(messages, m => m.ClientMessageId));
        command.AddParameter("created", Array.ConvertAll(messages, m => UnixTime.ToMilliseconds(m.Timestamp)));
        command.AddParameter("replyTos", Array.ConvertAll(messages, m => m.ReplyTo));
        command.AddParameter("mentions", Array.ConvertAll(messages, m => MessageRows.Mentions(m.Mentions) as string));
    }

    /// <summary>The insert's parameters, in the order of <see cref="Values"/>.</summary>
    public static readonly string[] ParameterNames = ["room", "seq", "sender", "text", "client", "created", "replyTo", "mentions"];

    public static object[] Values(ChatMessage message) =>
    [
        message.RoomId,
        message.Id,
        message.Sender,
        message.Text,
        (object?)message.ClientMessageId ?? DBNull.Value,
        UnixTime.ToMilliseconds(message.Timestamp),
        (object?)message.ReplyTo ?? DBNull.Value,
        MessageRows.Mentions(message.Mentions),
    ];
}
