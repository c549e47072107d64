using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using static GrainChat.Tests.Gateway.AccountApiTests;

namespace GrainChat.Tests.Gateway;

public sealed class DirectMessageAndUserApiTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task A_direct_message_answers_201_and_both_users_can_read_the_conversation()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);

        var response = await alice.Http.PostAsJsonAsync($"/api/dm/{bob.Username}/messages", new { text = "psst" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = await response.Content.ReadFromJsonAsync<JsonElement>();
        var roomId = message.GetProperty("roomId").GetString()!;
        Assert.Equal("psst", (await bob.HistoryAsync(roomId)).Single().GetProperty("text").GetString());
        Assert.Single(await alice.HistoryAsync(roomId));
    }

    [Fact]
    public async Task A_third_user_cannot_read_a_direct_conversation()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await using var eve = await ChatClient.RegisterAsync(gateway);
        var message = await (await alice.Http.PostAsJsonAsync($"/api/dm/{bob.Username}/messages", new { text = "secret" })).Content.ReadFromJsonAsync<JsonElement>();
        var roomId = message.GetProperty("roomId").GetString();

        await AssertProblem(await eve.Http.GetAsync($"/api/rooms/{roomId}/messages"), HttpStatusCode.Forbidden);
        await AssertProblem(await eve.Http.PostAsync($"/api/rooms/{roomId}/join", null), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_direct_message_to_an_unknown_user_answers_404_naming_them()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);

        var response = await alice.Http.PostAsJsonAsync("/api/dm/nobody_here/messages", new { text = "hello?" });

        await AssertProblem(response, HttpStatusCode.NotFound, "User 'nobody_here' does not exist");
    }

    [Fact]
    public async Task Listing_direct_conversations_shows_the_other_user_and_the_last_message()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await alice.Http.PostAsJsonAsync($"/api/dm/{bob.Username}/messages", new { text = "first" });
        await bob.Http.PostAsJsonAsync($"/api/dm/{alice.Username}/messages", new { text = "second" });

        var conversations = await bob.Http.GetFromJsonAsync<JsonElement[]>("/api/dm");

        var conversation = Assert.Single(conversations!);
        Assert.Equal(alice.Username, conversation.GetProperty("with").GetString());
        Assert.Equal("second", conversation.GetProperty("lastMessage").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Users_lists_everyone_registered_with_online_flags()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await bob.ConnectAsync();

        await Eventually.TrueAsync(() => alice.Http.GetFromJsonAsync<string[]>("/api/users/online").Result!.Contains(bob.Username), ChatClient.WaitLimit);
        var users = await alice.Http.GetFromJsonAsync<JsonElement[]>("/api/users");

        Assert.True(users!.Single(u => u.GetProperty("username").GetString() == bob.Username).GetProperty("online").GetBoolean());
        Assert.False(users!.Single(u => u.GetProperty("username").GetString() == alice.Username).GetProperty("online").GetBoolean());
    }

    [Fact]
    public async Task Metrics_count_rooms_messages_pings_and_connections()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var before = await alice.Http.GetFromJsonAsync<JsonElement>("/api/metrics");
        await alice.PostAsync(roomId, "counted");
        var connection = await alice.ConnectAsync();
        await Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.InvokeAsync<JsonElement>(connection, "Ping");

        var after = await alice.Http.GetFromJsonAsync<JsonElement>("/api/metrics");

        Assert.True(after.GetProperty("messagesTotal").GetInt64() >= before.GetProperty("messagesTotal").GetInt64() + 1);
        Assert.True(after.GetProperty("messagesToday").GetInt64() >= 1);
        Assert.True(after.GetProperty("totalPings").GetInt64() >= before.GetProperty("totalPings").GetInt64() + 1);
        Assert.True(after.GetProperty("todayPings").GetInt64() >= 1);
        Assert.True(after.GetProperty("connections").GetInt64() >= 1);
        Assert.True(after.GetProperty("rooms").GetInt64() >= 1);
        Assert.True(after.TryGetProperty("onlineUsers", out _));
    }
}
