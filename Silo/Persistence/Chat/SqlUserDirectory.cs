using System.Collections.Concurrent;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>The <c>users</c> table: registered users keyed by the case-folded name, with when they were last seen.</summary>
public sealed class SqlUserDirectory(SqlDialect dialect) : IUserDirectory
{
    private const int NamesRemembered = 100_000;

    // Accounts are never removed, so a name once found stays found: every direct message asks, and only the
    // first ask per name (and every ask for a name nobody has) reaches the database.
    private readonly ConcurrentDictionary<string, string> _found = new(StringComparer.Ordinal);

    public Task<bool> TryAddAsync(string username, DateTimeOffset createdAt) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO users (user_key, username, created_at) VALUES (@key, @name, @createdAt) ON CONFLICT DO NOTHING";
            command.AddParameter("key", ChatKeys.UserKey(username));
            command.AddParameter("name", username);
            command.AddParameter("createdAt", UnixTime.ToMilliseconds(createdAt));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, CancellationToken.None);

    public Task SetLastSeenAsync(string username, DateTimeOffset lastSeen) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE users SET last_seen = @lastSeen WHERE user_key = @key";
            command.AddParameter("key", ChatKeys.UserKey(username));
            command.AddParameter("lastSeen", UnixTime.ToMilliseconds(lastSeen));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, CancellationToken.None);

    public async Task<string?> FindAsync(string username)
    {
        var key = ChatKeys.UserKey(username);
        if (_found.TryGetValue(key, out var known))
        {
            return known;
        }

        var found = await dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT username FROM users WHERE user_key = @key";
            command.AddParameter("key", key);
            return (string?)await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        }, CancellationToken.None).ConfigureAwait(false);

        if (found is not null)
        {
            if (_found.Count >= NamesRemembered)
            {
                _found.Clear();
            }

            _found[key] = found;
        }

        return found;
    }

    public Task<IReadOnlyList<RegisteredUser>> ListAsync(string? afterUsername, int limit) =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT username, last_seen FROM users {(afterUsername is null ? "" : "WHERE user_key > @after")} ORDER BY user_key LIMIT @limit";
            command.AddParameter("limit", limit);
            if (afterUsername is not null)
            {
                command.AddParameter("after", ChatKeys.UserKey(afterUsername));
            }

            var users = new List<RegisteredUser>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                users.Add(new RegisteredUser(reader.GetString(0), reader.IsDBNull(1) ? null : UnixTime.FromMilliseconds(reader.GetInt64(1))));
            }

            return (IReadOnlyList<RegisteredUser>)users;
        }, CancellationToken.None);
}
