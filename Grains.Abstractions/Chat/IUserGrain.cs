using GrainChat.Runtime;

namespace GrainChat.Chat;

/// <summary>
/// A user account, keyed by the case-folded username (<see cref="ChatKeys.UserKey"/>): the password hash, the
/// login sessions that tokens name, and the index of the user's rooms and direct conversations.
/// Presence and the lobby seat have grains of their own with the same key.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Creates the account; <see cref="ChatErrorCode.Conflict"/> when the name is taken (in any letter case).</summary>
    Task<UserProfile> RegisterAsync(string username, string password);

    /// <summary>
    /// The profile when the password is right; null for an unknown user and a wrong password alike (both take
    /// as long). Interleaves with the user's other calls, so a flood of wrong passwords never holds up the
    /// user's own requests.
    /// </summary>
    [AlwaysInterleave]
    Task<UserProfile?> VerifyPasswordAsync(string password);

    /// <summary>Opens a login session (after a password check, or right after registration); the oldest ends beyond the limit.</summary>
    Task<UserSession> OpenSessionAsync();

    [ReadOnly]
    Task<bool> IsSessionActiveAsync(string sessionId);

    /// <summary>Ends the session: its token stops working and its connections are told to close.</summary>
    Task LogoutAsync(string sessionId);

    /// <summary>The profile, or null when no such user is registered.</summary>
    [ReadOnly]
    Task<UserProfile?> GetProfileAsync();

    /// <summary>Adds a room the user has become a member of; <see cref="ChatErrorCode.Conflict"/> when they hold the most rooms allowed.</summary>
    Task AddRoomAsync(string roomId);

    /// <summary>As <see cref="AddRoomAsync"/>, for a room the user creates: also counted against the rooms they may ever create.</summary>
    Task AddCreatedRoomAsync(string roomId);

    Task RemoveRoomAsync(string roomId);

    Task AddDirectConversationAsync(string roomId, string with);

    [ReadOnly]
    Task<IReadOnlyList<DirectConversationRef>> GetDirectConversationsAsync();
}

public sealed record UserProfile(string Username, DateTimeOffset CreatedAt, IReadOnlyList<string> Rooms);

public sealed record UserSession(string Username, string SessionId);

public sealed record DirectConversationRef(string RoomId, string With);
