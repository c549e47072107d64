using GrainChat.Gateway.Realtime;
using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Gateway;

/// <summary>The node's hub connections, indexed by user.</summary>
public sealed class ConnectionRegistryTests
{
    private readonly ConnectionRegistry _registry = new();

    [Fact]
    public void Adding_a_connection_answers_how_many_its_user_now_has()
    {
        Assert.Equal(1, _registry.Add(Connection("ann")));
        Assert.Equal(1, _registry.Add(Connection("ben")));
        Assert.Equal(2, _registry.Add(Connection("ann")));
    }

    [Fact]
    public void A_users_connections_are_listed_without_anyone_elses()
    {
        var first = Connection("ann");
        var second = Connection("ann");
        _registry.Add(first);
        _registry.Add(Connection("ben"));
        _registry.Add(second);

        Assert.Equal(
            new[] { first.ConnectionId, second.ConnectionId }.Order(StringComparer.Ordinal),
            _registry.OfUser("ann").Select(c => c.ConnectionId).Order(StringComparer.Ordinal));
        Assert.Equal(1, _registry.CountOfUser("ben"));
        Assert.Empty(_registry.OfUser("cid"));
    }

    [Fact]
    public void A_removed_connection_no_longer_counts_for_its_user()
    {
        var first = Connection("ann");
        var second = Connection("ann");
        _registry.Add(first);
        _registry.Add(second);

        Assert.Same(first, _registry.Remove(first.ConnectionId));
        Assert.Null(_registry.Remove(first.ConnectionId));

        Assert.Equal([second], _registry.OfUser("ann"));
        _registry.Remove(second.ConnectionId);
        Assert.Equal(0, _registry.CountOfUser("ann"));
        Assert.Empty(_registry.OfUser("ann"));
        Assert.Null(_registry.Find(second.ConnectionId));
    }

    [Fact]
    public async Task Connections_added_and_removed_at_once_from_many_threads_leave_exact_counts()
    {
        const int Users = 8;
        const int PerUser = 500;
        var kept = new System.Collections.Concurrent.ConcurrentBag<ChatConnection>();

        await Task.WhenAll(Enumerable.Range(0, Users * 2).Select(worker => Task.Run(() =>
        {
            var user = $"user{worker % Users}";
            for (var i = 0; i < PerUser; i++)
            {
                var connection = Connection(user);
                _registry.Add(connection);
                if (worker < Users)
                {
                    kept.Add(connection); // half the workers keep theirs, the other half close each at once
                }
                else
                {
                    _registry.Remove(connection.ConnectionId);
                }
            }
        })));

        Assert.All(Enumerable.Range(0, Users), u => Assert.Equal(PerUser, _registry.CountOfUser($"user{u}")));
        Assert.Equal(kept.Select(c => c.ConnectionId).Order(StringComparer.Ordinal), _registry.All.Select(c => c.ConnectionId).Order(StringComparer.Ordinal));
    }

    private static ChatConnection Connection(string user) =>
        new(new FakeCallerContext(user), user, user, "session", clientIp: null, DateTimeOffset.UtcNow, isAdmin: false);
}
