using System.Data.Common;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;

namespace GrainChat.Grains.Storage;

/// <summary>
/// The room and user directories: what lists read, and what makes names unique. The unique keys in the
/// database (not a grain) decide a race between two creates of one name, on one node or several.
/// </summary>
public sealed class ChatDirectory(SqlDialect dialect)
{
    private const string RoomColumns = "room_id, room_name, member_count, created_by, created_at";

    /// <summary>Adds a room; false when its name (case-insensitively) or id is taken.</summary>
    public Task<bool> TryAddRoomAsync(RoomSummary room) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO rooms (room_id, room_name, name_key, created_by, created_at, member_count)
                VALUES (@id, @name, @key, @createdBy, @createdAt, @members) ON CONFLICT DO NOTHING
                """;
            command.AddParameter("id", room.RoomId);
            command.AddParameter("name", room.RoomName);
            command.AddParameter("key", RoomNameKey(room.RoomName));
            command.AddParameter("createdBy", room.CreatedBy);
            command.AddParameter("createdAt", UnixTime.ToMilliseconds(room.CreatedAt));
            command.AddParameter("members", room.MemberCount);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, CancellationToken.None);

    public Task SetMemberCountAsync(string roomId, int memberCount) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE rooms SET member_count = @members WHERE room_id = @id";
            command.AddParameter("id", roomId);
            command.AddParameter("members", memberCount);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, CancellationToken.None);

    /// <summary>Every room, oldest first.</summary>
    public Task<IReadOnlyList<RoomSummary>> ListRoomsAsync() =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {RoomColumns} FROM rooms ORDER BY created_at, room_id";
            return await ReadRoomsAsync(command, ct).ConfigureAwait(false);
        }, CancellationToken.None);

    public Task<long> CountRoomsAsync() => CountAsync("SELECT COUNT(*) FROM rooms");

    /// <summary>Adds a user; false when the name is taken (case-insensitively).</summary>
    public Task<bool> TryAddUserAsync(string username, DateTimeOffset createdAt) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO users (user_key, username, created_at) VALUES (@key, @name, @createdAt) ON CONFLICT DO NOTHING";
            command.AddParameter("key", ChatLimits.UserKey(username));
            command.AddParameter("name", username);
            command.AddParameter("createdAt", UnixTime.ToMilliseconds(createdAt));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, CancellationToken.None);

    public Task SetLastSeenAsync(string username, DateTimeOffset lastSeen) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE users SET last_seen = @lastSeen WHERE user_key = @key";
            command.AddParameter("key", ChatLimits.UserKey(username));
            command.AddParameter("lastSeen", UnixTime.ToMilliseconds(lastSeen));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, CancellationToken.None);

    /// <summary>Every registered user with when they were last seen, by name.</summary>
    public Task<IReadOnlyList<(string Username, DateTimeOffset? LastSeen)>> ListUsersAsync() =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT username, last_seen FROM users ORDER BY user_key";
            var users = new List<(string, DateTimeOffset?)>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                users.Add((reader.GetString(0), reader.IsDBNull(1) ? null : UnixTime.FromMilliseconds(reader.GetInt64(1))));
            }

            return (IReadOnlyList<(string, DateTimeOffset?)>)users;
        }, CancellationToken.None);

    private static string RoomNameKey(string roomName) => roomName.Trim().ToLowerInvariant();

    private Task<long> CountAsync(string sql) =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, CancellationToken.None);

    private static async Task<IReadOnlyList<RoomSummary>> ReadRoomsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var rooms = new List<RoomSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rooms.Add(new RoomSummary(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), UnixTime.FromMilliseconds(reader.GetInt64(4))));
        }

        return rooms;
    }
}
