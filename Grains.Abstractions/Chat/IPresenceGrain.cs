using GrainChat.Runtime;

namespace GrainChat.Chat;

/// <summary>Who is online right now. One instance (key <see cref="Key"/>); it changes only when someone comes or goes.</summary>
public interface IPresenceGrain : IGrainWithStringKey
{
    public const string Key = "all";

    Task SetOnlineAsync(string username, bool online);

    [ReadOnly]
    Task<IReadOnlyList<string>> GetOnlineAsync();
}
