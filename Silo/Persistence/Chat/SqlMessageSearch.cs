using System.Data.Common;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// Search on SQLite's FTS5 table (<c>messages_fts</c> in the search index's own file, attached as <c>search</c>;
/// its row ids are the messages' <c>search_id</c>) or on
/// PostgreSQL's GIN index over <c>to_tsvector('simple', text)</c>. Terms are bound as parameters (PostgreSQL) or
/// quoted as FTS5 strings (SQLite), so no input can be read as query syntax.
/// </summary>
internal sealed class SqlMessageSearch(SqlDialect dialect, SqliteSearchIndexer indexer) : IMessageSearch
{
    private static readonly string Columns = string.Join(", ", MessageRows.Columns.Split(", ").Select(c => $"m.{c}"));

    public async Task<IReadOnlyList<ChatMessage>> SearchAsync(SearchQuery query, IReadOnlyList<string> roomIds)
    {
        if (roomIds.Count == 0)
        {
            return [];
        }

        // Results never lag an acknowledged send: SQLite's index is written in batches after the commit.
        await indexer.CatchUpAsync().ConfigureAwait(false);
        return await SearchIndexedAsync(query, roomIds).ConfigureAwait(false);
    }

    private Task<IReadOnlyList<ChatMessage>> SearchIndexedAsync(SearchQuery query, IReadOnlyList<string> roomIds) =>
        ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            var rooms = string.Join(", ", roomIds.Select((_, i) => $"@r{i}"));
            for (var i = 0; i < roomIds.Count; i++)
            {
                command.AddParameter($"r{i}", roomIds[i]);
            }

            var postgres = dialect is PostgresDialect;
            var match = postgres ? PostgresMatch(command, query) : SqliteMatch(command, query);
            var cursor = "";
            if (query.Before is { } before)
            {
                cursor = postgres
                    ? "AND (m.created_at, m.room_id, m.seq) < (@beforeAt, @beforeRoom, @beforeId)"
                    : "AND f.rowid < (SELECT search_id FROM messages WHERE room_id = @beforeRoom AND seq = @beforeId)";
                command.AddParameter("beforeAt", before.CreatedAtMilliseconds);
                command.AddParameter("beforeRoom", before.RoomId);
                command.AddParameter("beforeId", before.Id);
            }

            // PostgreSQL walks messages_created_at newest first and stops after a page. FTS5 cannot, but it walks its
            // own rowids (search ids, handed out in commit order; an edit keeps its message's) from the newest down,
            // so the query stops after a page instead of sorting every match.
            var order = postgres ? "m.created_at DESC, m.room_id DESC, m.seq DESC" : "f.rowid DESC";
            command.CommandText = $"""
                SELECT {Columns} FROM {match}
                AND m.room_id IN ({rooms}) AND m.deleted = 0 {cursor}
                ORDER BY {order}
                LIMIT @limit
                """;
            command.AddParameter("limit", query.Limit);
            var found = await MessageRows.ReadAsync(command, ct).ConfigureAwait(false);
            return (IReadOnlyList<ChatMessage>)await WithReactionsAsync(connection, found, ct).ConfigureAwait(false);
        });

    private Task<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> read) =>
        dialect is SqliteDialect sqlite ? sqlite.ReadWithSearchIndexAsync(read, CancellationToken.None) : dialect.ReadAsync(read, CancellationToken.None);

    private static string SqliteMatch(DbCommand command, SearchQuery query)
    {
        // Every term an FTS5 string ("…"; a phrase stays a phrase), all of them required.
        command.AddParameter("match", string.Join(' ', query.Terms.Select(t => $"\"{t.Replace("\"", "\"\"", StringComparison.Ordinal)}\"")));
        return """
            search.messages_fts f JOIN messages m ON m.search_id = f.rowid
            WHERE messages_fts MATCH @match
            """;
    }

    private static string PostgresMatch(DbCommand command, SearchQuery query)
    {
        var terms = new List<string>();
        for (var i = 0; i < query.Terms.Count; i++)
        {
            command.AddParameter($"t{i}", query.Terms[i]);
            terms.Add($"phraseto_tsquery('simple', @t{i})");
        }

        return $"messages m WHERE to_tsvector('simple', m.text) @@ ({string.Join(" && ", terms)})";
    }

    // Results come from several rooms: reactions are read room by room.
    private static async Task<List<ChatMessage>> WithReactionsAsync(DbConnection connection, List<ChatMessage> found, CancellationToken cancellationToken)
    {
        var withReactions = new Dictionary<(string, long), ChatMessage>();
        foreach (var room in found.GroupBy(m => m.RoomId, StringComparer.Ordinal))
        {
            foreach (var message in await MessageRows.WithReactionsAsync(connection, [.. room], cancellationToken).ConfigureAwait(false))
            {
                withReactions[(message.RoomId, message.Id)] = message;
            }
        }

        return [.. found.Select(m => withReactions[(m.RoomId, m.Id)])];
    }
}
