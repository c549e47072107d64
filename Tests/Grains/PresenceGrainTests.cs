using GrainChat.Chat;
using GrainChat.Presence;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Grains;

/// <summary>One user's presence: connections, the grace period, logout, and who hears of it.</summary>
public sealed class PresenceGrainTests : IAsyncLifetime
{
    private static readonly TimeSpan GracePeriod = TimeSpan.FromMilliseconds(500);

    private TestSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await ChatSilo.StartAsync(GracePeriod);
        await _silo.RegisterAsync("alice", "bob");
        await _silo.GrainFactory.GetRoomGrain("room").CreateAsync("Room", "alice");
        await _silo.GrainFactory.GetRoomGrain("room").JoinAsync("bob");
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task The_first_connection_makes_the_user_online_and_tells_their_rooms()
    {
        var room = await _silo.WatchRoomAsync("room");

        await Presence("bob").ConnectedAsync("c1", "s1");

        Assert.True((await Presence("bob").GetAsync()).Online);
        Assert.Contains("bob", await OnlineAsync());
        await Eventually.TrueAsync(() => room.OfType<PresenceChanged>().Any(e => e is { Username: "bob", Online: true }), ChatSilo.WaitLimit);
    }

    [Fact]
    public async Task The_user_stays_online_while_another_connection_remains()
    {
        await Presence("bob").ConnectedAsync("phone", "s1");
        await Presence("bob").ConnectedAsync("laptop", "s2");

        await Presence("bob").DisconnectedAsync("phone");
        await Task.Delay(GracePeriod * 3);

        Assert.Equal(new UserPresence("bob", true, null, 1), await Presence("bob").GetAsync());
    }

    [Fact]
    public async Task The_user_goes_offline_a_grace_period_after_the_last_connection_closes_and_is_last_seen_then()
    {
        var room = await _silo.WatchRoomAsync("room");
        await Presence("bob").ConnectedAsync("c1", "s1");

        await Presence("bob").DisconnectedAsync("c1");

        Assert.True((await Presence("bob").GetAsync()).Online, "offline before the grace period passed");
        await Eventually.TrueAsync(() => room.OfType<PresenceChanged>().Any(e => e is { Username: "bob", Online: false }), ChatSilo.WaitLimit);
        Assert.DoesNotContain("bob", await OnlineAsync());
        var listed = (await _silo.Services.GetRequiredService<IUserDirectory>().ListAsync(null, 1000)).Single(u => u.Username == "bob");
        Assert.Equal((await Presence("bob").GetAsync()).LastSeen, listed.LastSeen);
    }

    [Fact]
    public async Task Reconnecting_within_the_grace_period_keeps_the_user_online_without_a_blip()
    {
        var room = await _silo.WatchRoomAsync("room");
        await Presence("bob").ConnectedAsync("c1", "s1");

        await Presence("bob").DisconnectedAsync("c1");
        await Presence("bob").ConnectedAsync("c2", "s1");
        await Task.Delay(GracePeriod * 3);

        Assert.True((await Presence("bob").GetAsync()).Online);
        Assert.DoesNotContain(room.OfType<PresenceChanged>(), e => !e.Online);
    }

    [Fact]
    public async Task Ending_the_session_of_the_last_connections_takes_the_user_offline_at_once()
    {
        await Presence("bob").ConnectedAsync("c1", "s1");
        await Presence("bob").ConnectedAsync("c2", "s1");

        await Presence("bob").SessionEndedAsync("s1");

        Assert.Equal(new UserPresence("bob", false, (await Presence("bob").GetAsync()).LastSeen, 0), await Presence("bob").GetAsync());
        Assert.DoesNotContain("bob", await OnlineAsync());
    }

    [Fact]
    public async Task Ending_one_session_leaves_the_user_online_through_another()
    {
        await Presence("bob").ConnectedAsync("c1", "s1");
        await Presence("bob").ConnectedAsync("c2", "s2");

        await Presence("bob").SessionEndedAsync("s1");

        Assert.Equal(new UserPresence("bob", true, null, 1), await Presence("bob").GetAsync());
    }

    [Fact]
    public async Task An_unknown_user_cannot_connect()
    {
        var refused = await Assert.ThrowsAsync<ChatException>(() => Presence("nobody").ConnectedAsync("c1", "s1"));

        Assert.Equal(ChatErrorCode.NotFound, refused.Code);
    }

    private IPresenceGrain Presence(string username) => _silo.GrainFactory.GetPresenceGrain(username);

    private Task<IReadOnlyList<string>> OnlineAsync() => _silo.GrainFactory.GetOnlineUsersGrain().GetOnlineAsync();
}
