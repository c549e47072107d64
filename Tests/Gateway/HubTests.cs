using System.Net;
using GrainChat.Chat;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Gateway;

public sealed class HubTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Two_members_see_each_others_messages_in_order_and_a_non_member_sees_none()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await using var eve = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        var aliceHub = await alice.ConnectAsync();
        var bobHub = await bob.ConnectAsync();
        await eve.ConnectAsync();

        for (var i = 0; i < 20; i++)
        {
            await (i % 2 == 0 ? aliceHub : bobHub).InvokeAsync<JsonElement>("SendMessage", roomId, $"m{i}", $"c{i}");
        }

        foreach (var member in new[] { alice, bob })
        {
            await Eventually.TrueAsync(() => member.Events.Count(e => e.Name == "MessageReceived") == 20, ChatClient.WaitLimit);
            var texts = member.Events.Where(e => e.Name == "MessageReceived").Select(e => e.Payload.GetProperty("text").GetString());
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}"), texts);
        }

        await Task.Delay(200);
        Assert.DoesNotContain(eve.Events, e => e.Name == "MessageReceived");
    }

    [Fact]
    public async Task SendMessage_acknowledges_with_the_stored_message()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var hub = await alice.ConnectAsync();

        var ack = await hub.InvokeAsync<JsonElement>("SendMessage", roomId, "hi", "ack-1");

        Assert.Equal(1, ack.GetProperty("id").GetInt64());
        Assert.Equal("ack-1", ack.GetProperty("clientMessageId").GetString());
        Assert.Equal(ack.GetRawText(), (await alice.HistoryAsync(roomId)).Single().GetRawText());
    }

    [Fact]
    public async Task Joining_over_the_hub_tells_members_and_starts_delivery_to_the_joiner()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await alice.ConnectAsync();
        var bobHub = await bob.ConnectAsync();

        var joined = await bobHub.InvokeAsync<JsonElement>("JoinRoom", roomId);
        await alice.PostAsync(roomId, "welcome");

        Assert.Equal("joined", joined.GetProperty("status").GetString());
        await alice.WaitForEventAsync("UserJoined", e => e.GetProperty("username").GetString() == bob.Username);
        await bob.WaitForEventAsync("MessageReceived", e => e.GetProperty("text").GetString() == "welcome");
    }

    [Fact]
    public async Task Leaving_over_the_hub_tells_members_and_stops_delivery()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await alice.ConnectAsync();
        var bobHub = await bob.ConnectAsync();

        var left = await bobHub.InvokeAsync<JsonElement>("LeaveRoom", roomId);
        await alice.PostAsync(roomId, "after you left");
        await alice.WaitForEventAsync("MessageReceived");
        await Task.Delay(200);

        Assert.Equal("left", left.GetProperty("status").GetString());
        await alice.WaitForEventAsync("UserLeft", e => e.GetProperty("username").GetString() == bob.Username);
        Assert.DoesNotContain(bob.Events, e => e.Name == "MessageReceived");
    }

    [Fact]
    public async Task A_direct_message_reaches_both_parties_and_no_one_else()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await using var eve = await ChatClient.RegisterAsync(gateway);
        var aliceHub = await alice.ConnectAsync();
        await alice.ConnectAsync();
        await bob.ConnectAsync();
        await eve.ConnectAsync();

        var ack = await aliceHub.InvokeAsync<JsonElement>("SendDirectMessage", bob.Username, "just us", "dm-1");

        await bob.WaitForEventAsync("DirectMessageReceived", e => e.GetProperty("id").GetInt64() == ack.GetProperty("id").GetInt64());
        await Eventually.TrueAsync(() => alice.Events.Count(e => e.Name == "DirectMessageReceived") == 2, ChatClient.WaitLimit, "both of Alice's connections get it");
        await Task.Delay(200);
        Assert.DoesNotContain(eve.Events, e => e.Name == "DirectMessageReceived");
    }

    [Fact]
    public async Task Presence_goes_offline_after_the_grace_period_when_the_last_connection_closes()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await alice.ConnectAsync();
        var bobHub = await bob.ConnectAsync();
        await alice.WaitForEventAsync("PresenceChanged", e => e.GetProperty("username").GetString() == bob.Username && e.GetProperty("online").GetBoolean());

        await bobHub.StopAsync();

        var offline = await alice.WaitForEventAsync("PresenceChanged", e => e.GetProperty("username").GetString() == bob.Username && !e.GetProperty("online").GetBoolean());
        Assert.NotNull(offline);
    }

    [Fact]
    public async Task Logout_closes_the_sessions_connections_and_takes_the_user_offline_at_once()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await alice.ConnectAsync();
        var bobHub = await bob.ConnectAsync();
        var closed = new TaskCompletionSource();
        bobHub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await alice.WaitForEventAsync("PresenceChanged", e => e.GetProperty("username").GetString() == bob.Username && e.GetProperty("online").GetBoolean());

        await bob.Http.PostAsync("/api/logout", null);

        await closed.Task.WaitAsync(ChatClient.WaitLimit);
        await alice.WaitForEventAsync("PresenceChanged", e => e.GetProperty("username").GetString() == bob.Username && !e.GetProperty("online").GetBoolean());
        await Assert.ThrowsAnyAsync<Exception>(() => bob.ConnectAsync());
    }

    [Fact]
    public async Task A_session_evicted_by_newer_logins_loses_its_connections_and_its_token()
    {
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var hub = await bob.ConnectAsync();
        var closed = new TaskCompletionSource();
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        var user = gateway.Services.GetRequiredService<GrainChat.Runtime.IGrainFactory>().GetUserGrain(bob.Username);

        for (var i = 0; i < GrainChat.Grains.Users.UserGrain.MaxSessionsPerUser; i++)
        {
            await user.OpenSessionAsync();
        }

        await closed.Task.WaitAsync(ChatClient.WaitLimit);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bob.Http.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Catch_up_after_a_dropped_connection_returns_exactly_the_missed_messages()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        var bobHub = await bob.ConnectAsync();
        await alice.PostAsync(roomId, "seen");
        var lastSeen = (await bob.WaitForEventAsync("MessageReceived")).Payload.GetProperty("id").GetInt64();

        await bobHub.DisposeAsync();
        for (var i = 0; i < 7; i++)
        {
            await alice.PostAsync(roomId, $"missed {i}");
        }

        var reconnected = await bob.ConnectAsync();
        var missed = await reconnected.InvokeAsync<JsonElement[]>("GetNewMessages", roomId, lastSeen);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"missed {i}"), missed.Select(m => m.GetProperty("text").GetString()));
        Assert.Equal(Enumerable.Range(2, 7).Select(i => (long)i), missed.Select(m => m.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task Bad_arguments_get_a_hub_exception_and_the_connection_stays_usable()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var othersRoom = await bob.CreateRoomAsync();
        var hub = await alice.ConnectAsync();

        var empty = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("SendMessage", roomId, "", null));
        var tooLong = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("SendMessage", roomId, new string('x', 4001), null));
        var unknown = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("SendMessage", "no-such-room", "hi", null));
        var notMember = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("SendMessage", othersRoom, "hi", null));
        var noUser = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("SendDirectMessage", "nobody_here", "hi", null));

        Assert.Contains("needs some text", empty.Message, StringComparison.Ordinal);
        Assert.Contains("4000", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("not a member", notMember.Message, StringComparison.Ordinal);
        Assert.Contains("User 'nobody_here' does not exist", noUser.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, hub.State);
        Assert.Equal("pong", (await hub.InvokeAsync<JsonElement>("Ping")).GetProperty("status").GetString());
        Assert.Empty(await alice.HistoryAsync(roomId));
        Assert.Empty(await bob.HistoryAsync(othersRoom));
    }

    [Fact]
    public async Task An_oversized_frame_gets_a_hub_exception_and_the_connection_stays_usable()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var hub = await alice.ConnectAsync();

        var failure = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Broadcast", new string('x', 40 * 1024)));

        Assert.Contains("32 KB", failure.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, hub.State);
        Assert.Equal("broadcasted", (await hub.InvokeAsync<JsonElement>("Broadcast", "small")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Message_reaches_every_connection_and_Broadcast_all_but_the_sender()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var aliceHub = await alice.ConnectAsync();
        await bob.ConnectAsync();
        var marker = Guid.NewGuid().ToString();

        var received = await aliceHub.InvokeAsync<JsonElement>("Message", new { marker });
        var broadcasted = await aliceHub.InvokeAsync<JsonElement>("Broadcast", new { marker });

        Assert.Equal("received", received.GetProperty("status").GetString());
        Assert.Equal("broadcasted", broadcasted.GetProperty("status").GetString());
        bool Marked(JsonElement e) => e.GetProperty("data").TryGetProperty("marker", out var m) && m.GetString() == marker;
        var fromAlice = await bob.WaitForEventAsync("Message", Marked);
        Assert.Equal(alice.Username, fromAlice.Payload.GetProperty("from").GetString());
        await alice.WaitForEventAsync("Message", Marked);
        await bob.WaitForEventAsync("Broadcast", Marked);
        await Task.Delay(200);
        Assert.DoesNotContain(alice.Events, e => e.Name == "Broadcast" && Marked(e.Payload));
    }

    [Fact]
    public async Task GetRooms_and_GetUsersInRoom_describe_the_users_rooms()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var hub = await alice.ConnectAsync();

        var rooms = await hub.InvokeAsync<JsonElement[]>("GetRooms");
        var users = await hub.InvokeAsync<JsonElement[]>("GetUsersInRoom", roomId);

        Assert.Equal(roomId, Assert.Single(rooms).GetProperty("roomId").GetString());
        Assert.Equal(alice.Username, Assert.Single(users).GetProperty("username").GetString());
    }

    [Fact]
    public async Task A_connection_without_a_valid_token_is_refused()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);

        await Assert.ThrowsAnyAsync<Exception>(() => alice.ConnectAsync(token: "not-a-token"));
    }
}
