using System.Text.Json;
using GrainChat.Lobby;
using GrainChat.Silo.Persistence.Sql;

namespace GrainChat.Grains.Storage;

/// <summary>
/// The index of lobby sessions: one row per session, written by the session's own grain after each change, so
/// the lists and random join are queries rather than calls through one hot grain, and survive restarts.
/// </summary>
public sealed class LobbyDirectory(SqlDialect dialect)
{
    // The same SQL serves SQLite and PostgreSQL.
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS lobby_sessions (
            session_key  TEXT    NOT NULL PRIMARY KEY,
            state        TEXT    NOT NULL,
            player_count INTEGER NOT NULL,
            max_players  INTEGER NOT NULL,
            created_at   BIGINT  NOT NULL,
            session      TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS lobby_sessions_state ON lobby_sessions (state, created_at);
        """;

    public static readonly StorageMigration Migration = new(3, "lobby: session index", Tables, Tables);

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

    /// <summary>Sessions in the given state, oldest first.</summary>
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

    /// <summary>Names of pending sessions with a free seat, oldest first.</summary>
    public async Task<IReadOnlyList<string>> OpenSessionsAsync(int limit)
    {
        var pending = await ListAsync(SessionState.Pending);
        return pending.Where(s => s.Players.Count < s.MaxPlayers).Take(limit).Select(s => s.Room).ToArray();
    }
}
