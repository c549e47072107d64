using System.Collections.Concurrent;
using GrainChat.Chat;

namespace GrainChat.Gateway.Accounts;

/// <summary>
/// The client addresses each user has logged in from (the last few, in this process). A username under attack
/// stops taking attempts for a while, but not from these: the attacker cannot lock the real user out.
/// </summary>
internal sealed class LoginAddresses
{
    private const int AddressesPerUser = 8;
    private const int UsersRemembered = 100_000;

    private readonly ConcurrentDictionary<string, string[]> _byUser = new(StringComparer.Ordinal);

    public bool IsKnown(string username, string address) =>
        _byUser.TryGetValue(ChatKeys.UserKey(username), out var addresses) && addresses.Contains(address, StringComparer.Ordinal);

    public void Remember(string username, string address)
    {
        if (_byUser.Count >= UsersRemembered)
        {
            _byUser.Clear();
        }

        _byUser.AddOrUpdate(
            ChatKeys.UserKey(username),
            [address],
            (_, known) => known.Contains(address, StringComparer.Ordinal) ? known : [address, .. known.Take(AddressesPerUser - 1)]);
    }
}
