using System.Data.Common;
using System.Text.Json;
using GrainChat.Chat;
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

    public Task<IReadOnlyList<LobbySession>> ListAsync(SessionState state, string? afterRoom, int limit) =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            var after = afterRoom is null ? "" : "AND (created_at, session_key) > (SELECT created_at, session_key FROM lobby_sessions WHERE session_key = @after)";
            command.CommandText = $"SELECT session FROM lobby_sessions WHERE state = @state {after} ORDER BY created_at, session_key LIMIT @limit";
            command.AddParameter("state", state.ToString());
            command.AddParameter("limit", limit);
            if (afterRoom is not null)
            {
                command.AddParameter("after", LobbyLimits.SessionKey(afterRoom));
            }

            return await ReadSessionsAsync(command, ct);
        }, CancellationToken.None);

    public async Task<IReadOnlyList<string>> OpenSessionsAsync(int limit)
    {
        var open = await dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT session FROM lobby_sessions WHERE state = @state AND player_count < max_players ORDER BY created_at, session_key LIMIT @limit";
            command.AddParameter("state", nameof(SessionState.Pending));
            command.AddParameter("limit", limit);
            return await ReadSessionsAsync(command, ct);
        }, CancellationToken.None);
        return open.Select(s => s.Room).ToArray();
    }

    // Sessions that have not ended are few (each holds players); the states are read from them, not from each user's grain.
    public async Task<IReadOnlyDictionary<string, PlayerState>> PlayerStatesAsync(IReadOnlyCollection<string> usernames)
    {
        var live = await LiveSessionsAsync();
        var states = usernames.ToDictionary(u => u, _ => PlayerState.Idle, ChatKeys.UsernameComparer);
        foreach (var session in live)
        {
            foreach (var player in session.Players.Where(states.ContainsKey))
            {
                states[player] = session.State == SessionState.Active ? PlayerState.Playing : PlayerState.Waiting;
            }
        }

        return states;
    }

    public async Task<LobbyStatus> StatusOfAsync(string username)
    {
        var seat = (await LiveSessionsAsync()).FirstOrDefault(s => s.Players.Contains(username, ChatKeys.UsernameComparer));
        return seat is null
            ? new LobbyStatus(PlayerState.Idle, null)
            : new LobbyStatus(seat.State == SessionState.Active ? PlayerState.Playing : PlayerState.Waiting, LobbyLimits.SessionKey(seat.Room));
    }

    private Task<IReadOnlyList<LobbySession>> LiveSessionsAsync() =>
        dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT session FROM lobby_sessions WHERE state <> @ended";
            command.AddParameter("ended", nameof(SessionState.Ended));
            return await ReadSessionsAsync(command, ct);
        }, CancellationToken.None);

    private static async Task<IReadOnlyList<LobbySession>> ReadSessionsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var sessions = new List<LobbySession>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sessions.Add(JsonSerializer.Deserialize<LobbySession>(reader.GetString(0), Json)!);
        }

        return sessions;
    }
}
