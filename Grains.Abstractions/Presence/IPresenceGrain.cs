using GrainChat.Runtime;

namespace GrainChat.Presence;

/// <summary>
/// One user's presence, keyed like the user grain (<see cref="Chat.ChatKeys.UserKey"/>). It counts the user's hub
/// connections across devices: online with the first, offline a grace period after the last one closes, or at
/// once when logout ends the session of the last ones. Rooms the user is in hear <c>PresenceChanged</c>.
/// </summary>
public interface IPresenceGrain : IGrainWithStringKey
{
    /// <summary>A hub connection of this user opened, under the given login session.</summary>
    Task ConnectedAsync(string connectionId, string sessionId);

    Task DisconnectedAsync(string connectionId);

    /// <summary>The session was logged out: its connections no longer count, and without others the user is offline at once.</summary>
    Task SessionEndedAsync(string sessionId);

    [ReadOnly]
    Task<UserPresence> GetAsync();
}

public sealed record UserPresence(string Username, bool Online, DateTimeOffset? LastSeen, int Connections);
