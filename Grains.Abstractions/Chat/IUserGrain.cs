using GrainChat.Runtime;

namespace GrainChat.Chat;

/// <summary>A user account, keyed by the case-folded username (<see cref="ChatLimits.UserKey"/>).</summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Creates the account; <see cref="ChatErrorCode.Conflict"/> when the name is taken (in any letter case).</summary>
    Task<UserProfile> RegisterAsync(string username, string password);

    /// <summary>Checks the password and opens a session; null for an unknown user or a wrong password alike.</summary>
    Task<UserSession?> LoginAsync(string password);

    /// <summary>Opens a session without a password check (right after registration).</summary>
    Task<UserSession> OpenSessionAsync();

    [ReadOnly]
    Task<bool> IsSessionActiveAsync(string sessionId);

    /// <summary>Ends the session: its token stops working and its connections are told to close.</summary>
    Task LogoutAsync(string sessionId);

    /// <summary>The profile, or null when no such user is registered.</summary>
    [ReadOnly]
    Task<UserProfile?> GetProfileAsync();

    Task AddRoomAsync(string roomId);

    Task RemoveRoomAsync(string roomId);

    Task AddDirectConversationAsync(string roomId, string with);

    [ReadOnly]
    Task<IReadOnlyList<DirectConversationRef>> GetDirectConversationsAsync();

    /// <summary>A hub connection of this user opened (presence counts connections across the user's devices).</summary>
    Task ConnectedAsync(string connectionId, string sessionId);

    Task DisconnectedAsync(string connectionId);

    [ReadOnly]
    Task<UserPresence> GetPresenceAsync();

    [ReadOnly]
    Task<GrainChat.Lobby.LobbyStatus> GetLobbyStatusAsync();

    /// <summary>Claims the user for a session (state Waiting); Conflict when they are already in another one.</summary>
    Task ReserveSessionAsync(string sessionKey);

    /// <summary>Sets the user's state in the session they are in (ignored if they are in another one).</summary>
    Task SetSessionStateAsync(string sessionKey, GrainChat.Lobby.PlayerState state);

    /// <summary>Returns the user to Idle if they are in that session.</summary>
    Task ReleaseSessionAsync(string sessionKey);
}

public sealed record UserProfile(string Username, DateTimeOffset CreatedAt, IReadOnlyList<string> Rooms);

public sealed record UserSession(string Username, string SessionId);

public sealed record UserPresence(string Username, bool Online, DateTimeOffset? LastSeen, int Connections);

public sealed record DirectConversationRef(string RoomId, string With);
