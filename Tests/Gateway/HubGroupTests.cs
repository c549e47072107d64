using GrainChat.Gateway.Realtime;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Gateway;

/// <summary>The SignalR groups of one node (a room's followers, a user's connections) as connections come and go.</summary>
public sealed class HubGroupTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task A_closed_connection_leaves_no_group_of_its_own_behind_and_its_room_still_reaches_the_others()
    {
        var groups = (BoundedHubLifetimeManager<ChatHub>)gateway.Services.GetRequiredService<HubLifetimeManager<ChatHub>>();
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await alice.ConnectAsync();
        var withAlice = groups.GroupCount;

        var bobs = await bob.ConnectAsync();
        Assert.Equal(withAlice + 1, groups.GroupCount); // bob's user group; the room's group is shared
        await bobs.DisposeAsync();

        await Eventually.TrueAsync(() => groups.GroupCount == withAlice, ChatClient.WaitLimit, "bob's user group went with his only connection");
        await alice.PostAsync(roomId, "still delivered");
        await alice.WaitForEventAsync("MessageReceived", m => m.GetProperty("text").GetString() == "still delivered");
    }

    [Fact]
    public async Task A_room_group_goes_with_its_last_follower_and_comes_back_with_the_next()
    {
        var groups = (BoundedHubLifetimeManager<ChatHub>)gateway.Services.GetRequiredService<HubLifetimeManager<ChatHub>>();
        await using var carol = await ChatClient.RegisterAsync(gateway);
        var roomId = await carol.CreateRoomAsync();
        var before = groups.GroupCount;

        var first = await carol.ConnectAsync();
        Assert.Equal(before + 2, groups.GroupCount); // carol's user group and the room's
        await first.DisposeAsync();
        await Eventually.TrueAsync(() => groups.GroupCount == before, ChatClient.WaitLimit, "no connection follows the room any more");

        await carol.ConnectAsync();
        await carol.PostAsync(roomId, "after reconnecting");
        await carol.WaitForEventAsync("MessageReceived", m => m.GetProperty("text").GetString() == "after reconnecting");
    }
}
