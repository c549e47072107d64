using System.Text.Json;
using GrainChat.Lobby;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>The <c>lobby_sessions</c> table: each session as JSON, with its state and seat counts as columns to query.</summary>
public sealed class SqlLobbyIndex(SqlDialect dialect) : ILobbyIndex
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task SaveAsync(LobbySession session) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO lobby_sessions (session_key, state, player_count, max_players, created_at, session)
                VALUES (@key, @state, @players, @max, @createdAt, @session)
                ON CONFLICT (session_key) DO UPDATE SET state = excluded.state, player_count = excluded.player_count,
                    max_players = excluded.max_players, created_at = excluded.created_at, session = excluded.session
                """;
            command.AddParameter("key", LobbyLimits.SessionKey(session.Room));
            command.AddParameter("state", session.State.ToString());
            command.AddParameter("players", session.Players.Count);
            command.AddParameter("max", session.MaxPlayers);
            command.AddParameter("createdAt", UnixTime.ToMilliseconds(session.CreatedAt));
            command.AddParameter("session", JsonSerializer.Serialize(session, Json));
            return await command.ExecuteNonQueryAsync(ct);
        }, CancellationToken.None);

    public Task<IReadOnlyList<LobbySession>> ListAsync(SessionState state) =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT session FROM lobby_sessions WHERE state = @state ORDER BY created_at, session_key";
            command.AddParameter("state", state.ToString());
            var sessions = new List<LobbySession>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                sessions.Add(JsonSerializer.Deserialize<LobbySession>(reader.GetString(0), Json)!);
            }

            return (IReadOnlyList<LobbySession>)sessions;
        }, CancellationToken.None);

    public async Task<IReadOnlyList<string>> OpenSessionsAsync(int limit)
    {
        var pending = await ListAsync(SessionState.Pending);
        return pending.Where(s => s.Players.Count < s.MaxPlayers).Take(limit).Select(s => s.Room).ToArray();
    }
}
