using System.Security.Cryptography;
using GrainChat.Chat;
using GrainChat.Lobby;
using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Storage;

namespace GrainChat.Grains.Lobby;

/// <summary>
/// A game session: host, players, capacity, optional robot, and a chat room whose members are the players.
/// Pending until full or started by the host, then Active; Ended when the host leaves or the last player does.
/// Seats are taken one turn at a time here, so capacity holds under any number of racing joins. After every
/// change the session is written to its state, to the lobby index, and to each player's stream.
/// </summary>
public sealed class LobbySessionGrain(
    [PersistentState("session")] IPersistentState<LobbySessionState> session,
    ILobbyIndex index,
    TimeProvider time) : Grain, ILobbySessionGrain
{
    public async Task<LobbySession> HostAsync(string room, string host, int maxPlayers, string? robot)
    {
        if (session.RecordExists && session.State.State != SessionState.Ended)
        {
            throw ChatException.Conflict($"A session named '{session.State.Room}' already exists", "room");
        }

        var roomId = $"lobby-{RandomNumberGenerator.GetHexString(12, lowercase: true)}";
        await GrainFactory.GetRoomGrain(roomId).CreateSessionRoomAsync($"Session: {room}", host, robot);
        session.State = new LobbySessionState
        {
            Room = room,
            Host = host,
            Players = [host],
            MaxPlayers = maxPlayers,
            Robot = robot,
            State = SessionState.Pending,
            CreatedAt = UnixTime.Now(time),
            RoomId = roomId,
        };
        await SaveAsync([host]);
        return View();
    }

    public async Task<LobbySession> JoinAsync(string username)
    {
        if (!session.RecordExists || session.State.State == SessionState.Ended)
        {
            throw ChatException.NotFound($"There is no open session named '{GrainKey}'");
        }

        if (IsPlayer(username))
        {
            return View();
        }

        if (session.State.State != SessionState.Pending)
        {
            throw ChatException.Conflict($"Session '{session.State.Room}' has already started");
        }

        if (session.State.Players.Count >= session.State.MaxPlayers)
        {
            throw ChatException.Conflict($"Session '{session.State.Room}' is full");
        }

        // The room first: if it refuses the player (their own caps), the session has not changed.
        await Room().SetSessionMemberAsync(username, isMember: true);
        var players = session.State.Players.Append(username).ToArray();
        var full = players.Length == session.State.MaxPlayers;
        session.State = session.State with { Players = players, State = full ? SessionState.Active : SessionState.Pending };
        if (full)
        {
            await SetPlayersStateAsync(PlayerState.Playing);
        }

        await SaveAsync(players);
        return View();
    }

    public async Task<LobbySession> StartAsync(string username)
    {
        if (!session.RecordExists || session.State.State == SessionState.Ended)
        {
            throw ChatException.NotFound($"There is no open session named '{GrainKey}'");
        }

        if (!ChatKeys.SameUser(session.State.Host, username))
        {
            throw ChatException.Forbidden($"Only the host ({session.State.Host}) can start session '{session.State.Room}'");
        }

        if (session.State.State != SessionState.Pending)
        {
            throw ChatException.Conflict($"Session '{session.State.Room}' has already started");
        }

        session.State = session.State with { State = SessionState.Active };
        await SetPlayersStateAsync(PlayerState.Playing);
        await SaveAsync(session.State.Players);
        return View();
    }

    public async Task<LobbySession> LeaveAsync(string username)
    {
        if (!session.RecordExists || session.State.State == SessionState.Ended || !IsPlayer(username))
        {
            throw ChatException.Conflict($"{username} is not in session '{GrainKey}'");
        }

        var before = session.State.Players;
        var remaining = before.Where(p => !ChatKeys.SameUser(p, username)).ToArray();
        var ends = ChatKeys.SameUser(session.State.Host, username) || remaining.Length == 0;
        var leaving = ends ? before : [username];
        session.State = session.State with { Players = ends ? before : remaining, State = ends ? SessionState.Ended : session.State.State };
        foreach (var player in leaving)
        {
            await GrainFactory.GetLobbyPlayerGrain(player).ReleaseSessionAsync(GrainKey);
            await Room().SetSessionMemberAsync(player, isMember: false);
        }

        await SaveAsync(before);
        return View();
    }

    public Task<LobbySession?> GetAsync() => Task.FromResult(session.RecordExists ? View() : null);

    private async Task SetPlayersStateAsync(PlayerState state)
    {
        foreach (var player in session.State.Players)
        {
            await GrainFactory.GetLobbyPlayerGrain(player).SetSessionStateAsync(GrainKey, state);
        }
    }

    /// <summary>Persists, indexes and announces the session to <paramref name="audience"/> (players before the change included).</summary>
    private async Task SaveAsync(IEnumerable<string> audience)
    {
        await session.WriteStateAsync();
        var view = View();
        await index.SaveAsync(view);
        var streams = GetStreamProvider(StreamProviderNames.Default);
        foreach (var player in audience.Union(view.Players, ChatKeys.UsernameComparer))
        {
            var key = ChatKeys.UserKey(player);
            await streams.GetStream<UserEvent>(StreamId.Create(ChatStreams.UserNamespace, key)).OnNextAsync(new LobbySessionUpdated(key, view));
        }
    }

    private bool IsPlayer(string username) => session.State.Players.Any(p => ChatKeys.SameUser(p, username));

    private IRoomGrain Room() => GrainFactory.GetRoomGrain(session.State.RoomId);

    private LobbySession View() => new(
        session.State.Room, session.State.Host, session.State.Players, session.State.MaxPlayers,
        session.State.Robot, session.State.State, session.State.CreatedAt, session.State.RoomId);
}

public sealed record LobbySessionState
{
    public string Room { get; init; } = "";

    public string Host { get; init; } = "";

    public IReadOnlyList<string> Players { get; init; } = [];

    public int MaxPlayers { get; init; } = LobbyLimits.DefaultMaxPlayers;

    public string? Robot { get; init; }

    public SessionState State { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public string RoomId { get; init; } = "";
}
