using GrainChat.Lobby;

namespace GrainChat.Storage;

/// <summary>
/// One row per lobby session, written by the session's own grain after each change, so the lists and random
/// join are queries rather than calls through one hot grain, and survive restarts.
/// </summary>
public interface ILobbyIndex
{
    Task SaveAsync(LobbySession session);

    /// <summary>Up to <paramref name="limit"/> sessions in the given state, oldest first, after the session named <paramref name="afterRoom"/> (null: from the start).</summary>
    Task<IReadOnlyList<LobbySession>> ListAsync(SessionState state, string? afterRoom, int limit);

    /// <summary>Where each of <paramref name="usernames"/> stands: Waiting in a pending session, Playing in an active one, else Idle.</summary>
    Task<IReadOnlyDictionary<string, PlayerState>> PlayerStatesAsync(IReadOnlyCollection<string> usernames);

    /// <summary>The session (its key) that lists the user among its players and has not ended, with their state there; Idle when none.</summary>
    Task<LobbyStatus> StatusOfAsync(string username);

    /// <summary>Names of pending sessions with a free seat, oldest first.</summary>
    Task<IReadOnlyList<string>> OpenSessionsAsync(int limit);
}
