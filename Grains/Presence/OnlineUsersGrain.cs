using GrainChat.Chat;
using GrainChat.Presence;
using GrainChat.Runtime;

namespace GrainChat.Grains.Presence;

/// <summary>The set of users online now, in memory only (after a restart nobody is connected, so nobody is online).</summary>
public sealed class OnlineUsersGrain : Grain, IOnlineUsersGrain
{
    private readonly SortedSet<string> _online = new(ChatKeys.UsernameComparer);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        DelayDeactivation(TimeSpan.MaxValue);
        return Task.CompletedTask;
    }

    public Task SetOnlineAsync(string username, bool online)
    {
        if (online)
        {
            _online.Add(username);
        }
        else
        {
            _online.Remove(username);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetOnlineAsync() => Task.FromResult<IReadOnlyList<string>>(_online.ToArray());
}
