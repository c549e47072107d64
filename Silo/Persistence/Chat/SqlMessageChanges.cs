using System.Data.Common;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// Edits, tombstones and reactions on the <c>messages</c> and <c>message_reactions</c> tables. A changed text is
/// handed to SQLite's search indexer after the commit, before the write gate is let go.
/// </summary>
internal sealed class SqlMessageChanges(SqlDialect dialect, SqliteSearchIndexer indexer) : IMessageChanges
{
    // The room's next change number, taken in the statement that makes the change.
    private const string NextRevision = "(SELECT COALESCE(MAX(revision), 0) + 1 FROM messages WHERE room_id = @room)";

    public Task<ChatMessage?> FindAsync(string roomId, long id) =>
        dialect.ReadAsync((connection, ct) => FindAsync(connection, roomId, id, ct), CancellationToken.None);

    public Task<ChatMessage?> EditAsync(string roomId, long id, string text, IReadOnlyList<string> mentions, DateTimeOffset editedAt) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE messages SET text = @text, mentions = @mentions, edited_at = @editedAt, revision = {NextRevision} WHERE room_id = @room AND seq = @id AND deleted = 0";
            command.AddParameter("room", roomId);
            command.AddParameter("id", id);
            command.AddParameter("text", text);
            command.AddParameter("mentions", MessageRows.Mentions(mentions));
            command.AddParameter("editedAt", UnixTime.ToMilliseconds(editedAt));
            if (await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
            {
                return null;
            }

            indexer.TextChanged(roomId, id);
            return await FindAsync(connection, roomId, id, ct).ConfigureAwait(false);
        }, CancellationToken.None);

    public Task<bool> DeleteAsync(string roomId, long id) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"UPDATE messages SET text = '', mentions = NULL, deleted = 1, revision = {NextRevision} WHERE room_id = @room AND seq = @id AND deleted = 0";
            command.AddParameter("room", roomId);
            command.AddParameter("id", id);
            var deleted = await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            if (deleted)
            {
                await using var reactions = connection.CreateCommand();
                reactions.Transaction = transaction;
                reactions.CommandText = "DELETE FROM message_reactions WHERE room_id = @room AND seq = @id";
                reactions.AddParameter("room", roomId);
                reactions.AddParameter("id", id);
                await reactions.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            if (deleted)
            {
                indexer.TextChanged(roomId, id);
            }

            return deleted;
        }, CancellationToken.None);

    public Task<ChatMessage?> SetReactionAsync(string roomId, long id, string emoji, string username, bool on, DateTimeOffset at) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var change = connection.CreateCommand();
            change.Transaction = transaction;
            change.CommandText = on
                ? "INSERT INTO message_reactions (room_id, seq, emoji, username, created_at) VALUES (@room, @id, @emoji, @user, @at) ON CONFLICT DO NOTHING"
                : "DELETE FROM message_reactions WHERE room_id = @room AND seq = @id AND emoji = @emoji AND username = @user";
            change.AddParameter("room", roomId);
            change.AddParameter("id", id);
            change.AddParameter("emoji", emoji);
            change.AddParameter("user", username);
            if (on)
            {
                change.AddParameter("at", UnixTime.ToMilliseconds(at));
            }

            if (await change.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1)
            {
                await using var revision = connection.CreateCommand();
                revision.Transaction = transaction;
                revision.CommandText = $"UPDATE messages SET revision = {NextRevision} WHERE room_id = @room AND seq = @id";
                revision.AddParameter("room", roomId);
                revision.AddParameter("id", id);
                await revision.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return await FindAsync(connection, roomId, id, ct).ConfigureAwait(false);
        }, CancellationToken.None);

    public Task<IReadOnlyList<ChatMessage>> ChangedAfterAsync(string roomId, long revision, int limit) =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {MessageRows.Columns} FROM messages WHERE room_id = @room AND revision > @revision ORDER BY revision LIMIT @limit";
            command.AddParameter("room", roomId);
            command.AddParameter("revision", revision);
            command.AddParameter("limit", limit);
            var changed = await MessageRows.ReadAsync(command, ct).ConfigureAwait(false);
            var withReactions = await MessageRows.WithReactionsAsync(connection, [.. changed.OrderBy(m => m.Id)], ct).ConfigureAwait(false);
            return (IReadOnlyList<ChatMessage>)[.. withReactions.OrderBy(m => m.Revision)];
        }, CancellationToken.None);

    private static async Task<ChatMessage?> FindAsync(DbConnection connection, string roomId, long id, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {MessageRows.Columns} FROM messages WHERE room_id = @room AND seq = @id";
        command.AddParameter("room", roomId);
        command.AddParameter("id", id);
        var found = await MessageRows.ReadAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : (await MessageRows.WithReactionsAsync(connection, found, cancellationToken).ConfigureAwait(false))[0];
    }
}
