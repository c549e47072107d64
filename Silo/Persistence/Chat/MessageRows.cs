using System.Data.Common;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>How a message is read from the <c>messages</c> table (and its reactions from <c>message_reactions</c>).</summary>
internal static class MessageRows
{
    public const string Columns = "room_id, seq, sender, text, client_message_id, created_at, reply_to, edited_at, deleted, mentions, revision";

    public static async Task<List<ChatMessage>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add(new ChatMessage(
                reader.GetInt64(1),
                reader.GetString(0),
                reader.GetString(2),
                reader.GetString(3),
                UnixTime.FromMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(4) ? null : reader.GetString(4))
            {
                ReplyTo = reader.IsDBNull(6) ? null : reader.GetInt64(6),
                EditedAt = reader.IsDBNull(7) ? null : UnixTime.FromMilliseconds(reader.GetInt64(7)),
                Deleted = Convert.ToInt64(reader.GetValue(8), System.Globalization.CultureInfo.InvariantCulture) != 0,
                Mentions = reader.IsDBNull(9) ? [] : MentionsOf(reader.GetString(9)),
                Revision = reader.GetInt64(10),
            });
        }

        return messages;
    }

    /// <summary>Mentions are stored as <c>" alice bob "</c>, so a LIKE on <c>"% name %"</c> finds one.</summary>
    public static object Mentions(IReadOnlyList<string>? mentions) =>
        mentions is null or { Count: 0 } ? DBNull.Value : $" {string.Join(' ', mentions)} ";

    private static string[] MentionsOf(string stored) => stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Fills in the reactions of the messages (all of one room), in one query.</summary>
    public static async Task<List<ChatMessage>> WithReactionsAsync(DbConnection connection, List<ChatMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return messages;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, emoji, username FROM message_reactions WHERE room_id = @room AND seq BETWEEN @first AND @last ORDER BY seq, created_at, emoji, username";
        command.AddParameter("room", messages[0].RoomId);
        command.AddParameter("first", messages.Min(m => m.Id));
        command.AddParameter("last", messages.Max(m => m.Id));
        var rows = new List<(long Seq, string Emoji, string User)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        if (rows.Count == 0)
        {
            return messages;
        }

        var bySeq = rows.ToLookup(r => r.Seq);
        return [.. messages.Select(m => bySeq.Contains(m.Id) ? m with { Reactions = Summarize(bySeq[m.Id].Select(r => (r.Emoji, r.User))) } : m)];
    }

    /// <summary>Counts per emoji, in the order each emoji first appeared.</summary>
    public static IReadOnlyList<ReactionCount> Summarize(IEnumerable<(string Emoji, string User)> reactions) =>
        [.. reactions.GroupBy(r => r.Emoji, StringComparer.Ordinal).Select(g => new ReactionCount(g.Key, g.Count(), [.. g.Select(r => r.User)]))];
}
