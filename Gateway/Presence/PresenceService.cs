using GrainChat.Chat;
using GrainChat.Runtime;

namespace GrainChat.Gateway.Presence;

/// <summary>Who is online, for lists that show it: the one place the Gateway asks.</summary>
internal sealed class PresenceService(IGrainFactory grains)
{
    public Task<IReadOnlyList<string>> OnlineAsync() => grains.GetOnlineUsersGrain().GetOnlineAsync();

    /// <summary>The online users as a set to look names up in (in any letter case).</summary>
    public async Task<IReadOnlySet<string>> OnlineSetAsync() => (await OnlineAsync()).ToHashSet(ChatKeys.UsernameComparer);

    /// <summary>Each name with whether that user is online now.</summary>
    public async Task<IReadOnlyList<MemberPresence>> WithPresenceAsync(IReadOnlyList<string> usernames)
    {
        var online = await OnlineSetAsync();
        return usernames.Select(name => new MemberPresence(name, online.Contains(name))).ToArray();
    }
}
