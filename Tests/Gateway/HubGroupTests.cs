using GrainChat.Gateway.Realtime;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Gateway;

/// <summary>The SignalR groups of one node (a room's followers, a user's connections) as connections come and go.</summary>
public sealed class HubGroupTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    private BoundedHubLifetimeManager<ChatHub> Groups => (BoundedHubLifetimeManager<ChatHub>)gateway.Services.GetRequiredService<HubLifetimeManager<ChatHub>>();

    [Fact]
    public async Task A_closed_connection_leaves_no_group_of_its_own_behind_and_its_room_still_reaches_the_others()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await alice.ConnectAsync();
        var bobs = await bob.ConnectAsync();
        Assert.True(Groups.HasGroup(UserGroup(bob)));

        await bobs.DisposeAsync();

        await Eventually.TrueAsync(() => !Groups.HasGroup(UserGroup(bob)), ChatClient.WaitLimit, "bob's user group went with his only connection");
        Assert.True(Groups.HasGroup(UserGroup(alice)));
        Assert.True(Groups.HasGroup(StreamHubBridge.RoomGroup(roomId)));
        await alice.PostAsync(roomId, "still delivered");
        await alice.WaitForEventAsync("MessageReceived", m => m.GetProperty("text").GetString() == "still delivered");
    }

    [Fact]
    public async Task A_room_group_goes_with_its_last_follower_and_comes_back_with_the_next()
    {
        await using var carol = await ChatClient.RegisterAsync(gateway);
        var roomId = await carol.CreateRoomAsync();
        var first = await carol.ConnectAsync();
        Assert.True(Groups.HasGroup(StreamHubBridge.RoomGroup(roomId)));

        await first.DisposeAsync();
        await Eventually.TrueAsync(() => !Groups.HasGroup(StreamHubBridge.RoomGroup(roomId)), ChatClient.WaitLimit, "no connection follows the room any more");
        await carol.ConnectAsync();

        Assert.True(Groups.HasGroup(StreamHubBridge.RoomGroup(roomId)));
        await carol.PostAsync(roomId, "after reconnecting");
        await carol.WaitForEventAsync("MessageReceived", m => m.GetProperty("text").GetString() == "after reconnecting");
    }

    private static string UserGroup(ChatClient client) => StreamHubBridge.UserGroup(GrainChat.Chat.ChatKeys.UserKey(client.Username));
}
