using GrainChat.Chat;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Grains;

/// <summary>The caps a room and a user grain keep on what one account can hold (<c>GrainChat:Limits</c>).</summary>
public sealed class MembershipLimitTests : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await ChatSilo.StartAsync(more: new Dictionary<string, string?>
        {
            ["GrainChat:Limits:MembersPerRoom"] = "3",
            ["GrainChat:Limits:RoomsPerUser"] = "2",
            ["GrainChat:Limits:RoomsCreatedPerUser"] = "3",
        });
        await _silo.RegisterAsync("alice", "bob", "carol", "dave");
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task A_full_room_refuses_one_more_member_and_lists_only_those_it_took()
    {
        await Room("full").CreateAsync("Full", "alice");
        await Room("full").JoinAsync("bob");
        await Room("full").JoinAsync("carol");

        var refused = await Assert.ThrowsAsync<ChatException>(() => Room("full").JoinAsync("dave"));

        Assert.Equal(ChatErrorCode.Conflict, refused.Code);
        Assert.Contains("full", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await Room("full").GetInfoAsync()).Members.Count);
        Assert.DoesNotContain("full", (await _silo.GrainFactory.GetUserGrain("dave").GetProfileAsync())!.Rooms);
    }

    [Fact]
    public async Task A_user_in_the_most_rooms_allowed_cannot_join_another_and_the_room_is_unchanged()
    {
        await Room("a").CreateAsync("A", "alice");
        await Room("b").CreateAsync("B", "alice");
        await Room("c").CreateAsync("C", "bob");

        var refused = await Assert.ThrowsAsync<ChatException>(() => Room("c").JoinAsync("alice"));

        Assert.Equal(ChatErrorCode.Conflict, refused.Code);
        Assert.Equal(["bob"], (await Room("c").GetInfoAsync()).Members);
    }

    [Fact]
    public async Task A_user_who_has_created_the_most_rooms_allowed_cannot_create_more_even_after_leaving()
    {
        await Room("c1").CreateAsync("C1", "carol");
        await Room("c2").CreateAsync("C2", "carol");
        await Room("c1").LeaveAsync("carol");
        await Room("c3").CreateAsync("C3", "carol");
        await Room("c2").LeaveAsync("carol");

        var refused = await Assert.ThrowsAsync<ChatException>(() => Room("c4").CreateAsync("C4", "carol"));

        Assert.Equal(ChatErrorCode.Conflict, refused.Code);
        Assert.DoesNotContain(await _silo.Services.GetRequiredService<IRoomDirectory>().ListAsync(null, 1000), r => r.RoomId == "c4");
        await Assert.ThrowsAsync<ChatException>(() => Room("c4").GetInfoAsync());
    }

    private IRoomGrain Room(string roomId) => _silo.GrainFactory.GetRoomGrain(roomId);
}
