using GrainChat.Runtime;

namespace GrainChat.Lobby;

/// <summary>
/// A user's seat in the lobby, keyed like the user grain: the one session they are in, if any, and their state
/// there. Claimed before a seat is taken, so a user is in at most one session.
/// </summary>
public interface ILobbyPlayerGrain : IGrainWithStringKey
{
    /// <summary>Where the user stands (a user with no seat record of their own is looked up once in the session index).</summary>
    Task<LobbyStatus> GetStatusAsync();

    /// <summary>Claims the user for a session (state Waiting); <see cref="Chat.ChatErrorCode.AlreadyInSession"/> when they are in another one.</summary>
    Task ReserveSessionAsync(string sessionKey);

    /// <summary>Sets the user's state in the session they are in (ignored if they are in another one).</summary>
    Task SetSessionStateAsync(string sessionKey, PlayerState state);

    /// <summary>Returns the user to Idle if they are in that session.</summary>
    Task ReleaseSessionAsync(string sessionKey);
}
