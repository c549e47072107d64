using System.Data.Common;
using System.Globalization;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>The <c>rooms</c> table: listed rooms, with a unique key on the case-folded name.</summary>
public sealed class SqlRoomDirectory(SqlDialect dialect) : IRoomDirectory
{
    private const string Columns = "room_id, room_name, member_count, created_by, created_at";

    public Task<bool> TryAddAsync(RoomSummary room) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO rooms (room_id, room_name, name_key, created_by, created_at, member_count)
                VALUES (@id, @name, @key, @createdBy, @createdAt, @members) ON CONFLICT DO NOTHING
                """;
            command.AddParameter("id", room.RoomId);
            command.AddParameter("name", room.RoomName);
            command.AddParameter("key", NameKey(room.RoomName));
            command.AddParameter("createdBy", room.CreatedBy);
            command.AddParameter("createdAt", UnixTime.ToMilliseconds(room.CreatedAt));
            command.AddParameter("members", room.MemberCount);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, CancellationToken.None);

    public Task RemoveAsync(string roomId) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM rooms WHERE room_id = @id";
            command.AddParameter("id", roomId);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
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

    public Task<IReadOnlyList<RoomSummary>> ListAsync(string? afterRoomId, int limit) =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            var after = afterRoomId is null ? "" : "WHERE (created_at, room_id) > (SELECT created_at, room_id FROM rooms WHERE room_id = @after)";
            command.CommandText = $"SELECT {Columns} FROM rooms {after} ORDER BY created_at, room_id LIMIT @limit";
            command.AddParameter("limit", limit);
            if (afterRoomId is not null)
            {
                command.AddParameter("after", afterRoomId);
            }

            return await ReadRoomsAsync(command, ct).ConfigureAwait(false);
        }, CancellationToken.None);

    public Task<IReadOnlyList<RoomSummary>> FindAsync(IReadOnlyCollection<string> roomIds) =>
        roomIds.Count == 0 ? Task.FromResult<IReadOnlyList<RoomSummary>>([]) : dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            var names = roomIds.Select((id, i) => (Id: id, Name: $"id{i}")).ToArray();
            command.CommandText = $"SELECT {Columns} FROM rooms WHERE room_id IN ({string.Join(", ", names.Select(n => "@" + n.Name))}) ORDER BY created_at, room_id";
            foreach (var (id, name) in names)
            {
                command.AddParameter(name, id);
            }

            return await ReadRoomsAsync(command, ct).ConfigureAwait(false);
        }, CancellationToken.None);

    public Task<long> CountAsync() =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM rooms";
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }, CancellationToken.None);

    private static string NameKey(string roomName) => roomName.Trim().ToLowerInvariant();

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
