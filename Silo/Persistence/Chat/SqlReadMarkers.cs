using System.Globalization;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>Read markers on the <c>read_markers</c> table; unread counts from the <c>messages</c> table.</summary>
internal sealed class SqlReadMarkers(SqlDialect dialect) : IReadMarkers
{
    public Task<long> MarkAsync(string userKey, string roomId, long messageId) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            // Forward only: an older id leaves the marker where it is.
            command.CommandText = """
                INSERT INTO read_markers (user_key, room_id, last_read_id) VALUES (@user, @room, @id)
                ON CONFLICT (user_key, room_id) DO UPDATE SET last_read_id = CASE WHEN excluded.last_read_id > read_markers.last_read_id THEN excluded.last_read_id ELSE read_markers.last_read_id END
                RETURNING last_read_id
                """;
            command.AddParameter("user", userKey);
            command.AddParameter("room", roomId);
            command.AddParameter("id", messageId);
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }, CancellationToken.None);

    public Task<IReadOnlyList<RoomUnread>> UnreadAsync(string userKey, string username, IReadOnlyList<string> roomIds) =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            var unread = roomIds.ToDictionary(r => r, r => new RoomUnread(r, 0, 0, 0), StringComparer.Ordinal);
            if (roomIds.Count == 0)
            {
                return (IReadOnlyList<RoomUnread>)[];
            }

            await using var command = connection.CreateCommand();
            var rooms = string.Join(", ", roomIds.Select((_, i) => $"@r{i}"));
            command.CommandText = $"""
                SELECT m.room_id, COALESCE(MAX(r.last_read_id), 0), COUNT(m.seq),
                       COALESCE(SUM(CASE WHEN lower(m.mentions) LIKE @mention THEN 1 ELSE 0 END), 0)
                FROM messages m LEFT JOIN read_markers r ON r.user_key = @user AND r.room_id = m.room_id
                WHERE m.room_id IN ({rooms}) AND m.seq > COALESCE(r.last_read_id, 0) AND m.deleted = 0 AND lower(m.sender) <> @me
                GROUP BY m.room_id
                """;
            command.AddParameter("user", userKey);
            command.AddParameter("me", username.ToLowerInvariant());
            command.AddParameter("mention", $"% {username.ToLowerInvariant()} %");
            for (var i = 0; i < roomIds.Count; i++)
            {
                command.AddParameter($"r{i}", roomIds[i]);
            }

            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var roomId = reader.GetString(0);
                    unread[roomId] = new RoomUnread(roomId, reader.GetInt64(1), reader.GetInt64(2), Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture));
                }
            }

            // Rooms with nothing unread still report their marker.
            await using var markers = connection.CreateCommand();
            markers.CommandText = $"SELECT room_id, last_read_id FROM read_markers WHERE user_key = @user AND room_id IN ({rooms})";
            markers.AddParameter("user", userKey);
            for (var i = 0; i < roomIds.Count; i++)
            {
                markers.AddParameter($"r{i}", roomIds[i]);
            }

            await using (var reader = await markers.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var roomId = reader.GetString(0);
                    unread[roomId] = unread[roomId] with { LastReadId = reader.GetInt64(1) };
                }
            }

            return (IReadOnlyList<RoomUnread>)[.. roomIds.Select(r => unread[r])];
        }, CancellationToken.None);
}
