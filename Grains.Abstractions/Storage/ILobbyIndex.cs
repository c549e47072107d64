using GrainChat.Lobby;

namespace GrainChat.Storage;

/// <summary>
/// One row per lobby session, written by the session's own grain after each change, so the lists and random
/// join are queries rather than calls through one hot grain, and survive restarts.
/// </summary>
public interface ILobbyIndex
{
    Task SaveAsync(LobbySession session);

    /// <summary>Sessions in the given state, oldest first.</summary>
    Task<IReadOnlyList<LobbySession>> ListAsync(SessionState state);

    /// <summary>Names of pending sessions with a free seat, oldest first.</summary>
    Task<IReadOnlyList<string>> OpenSessionsAsync(int limit);
}
