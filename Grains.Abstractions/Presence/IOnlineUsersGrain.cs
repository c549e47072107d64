using GrainChat.Runtime;

namespace GrainChat.Presence;

/// <summary>
/// Who is online right now: one instance (key <see cref="Key"/>), told by each user's <see cref="IPresenceGrain"/>
/// when the user comes or goes. Held in memory only: after a restart nobody is connected, so nobody is online.
/// </summary>
public interface IOnlineUsersGrain : IGrainWithStringKey
{
    public const string Key = "all";

    Task SetOnlineAsync(string username, bool online);

    [ReadOnly]
    Task<IReadOnlyList<string>> GetOnlineAsync();
}
