using GrainChat.Runtime;

namespace GrainChat.Lobby;

/// <summary>A game session, keyed by <see cref="LobbyLimits.SessionKey"/> of its name. Lifecycle: Pending → Active → Ended.</summary>
public interface ILobbySessionGrain : IGrainWithStringKey
{
    /// <summary>Opens the session with its host as the first player; Conflict when a session of that name is open.</summary>
    Task<LobbySession> HostAsync(string room, string host, int maxPlayers, string? robot);

    /// <summary>Adds a player; NotFound when there is no open session, Conflict when it is full or no longer pending.</summary>
    Task<LobbySession> JoinAsync(string username);

    /// <summary>The host starts the session early (Pending → Active); Forbidden for anyone else.</summary>
    Task<LobbySession> StartAsync(string username);

    /// <summary>Removes a player; the host leaving, or the last player leaving, ends the session.</summary>
    Task<LobbySession> LeaveAsync(string username);

    /// <summary>The session, or null when there has never been one of this name.</summary>
    [ReadOnly]
    Task<LobbySession?> GetAsync();
}
