using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Gateway;

/// <summary>A Gateway whose non-echo robots ask a fake chat-completions endpoint, with a short timeout.</summary>
public sealed class RobotGatewayFactory : GatewayFactory
{
    public FakeChatCompletions Completions { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["GrainChat:Robots:Endpoint"] = Completions.Endpoint.ToString(),
        ["GrainChat:Robots:ApiKey"] = "test-key",
        ["GrainChat:Robots:Timeout"] = "00:00:03",
        ["GrainChat:Robots:Models:0"] = "tiny-model",
        ["GrainChat:Robots:Models:1"] = "model-error",
        ["GrainChat:Robots:Models:2"] = "model-hang",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Completions.DisposeAsync();
    }
}

public sealed class LobbyTests(RobotGatewayFactory gateway) : IClassFixture<RobotGatewayFactory>
{
    [Fact]
    public async Task Hosting_opens_a_pending_session_with_the_host_as_first_player()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        var room = ChatClient.UniqueName("game");

        var answer = await Lobby(host, new { type = "host", room });

        Assert.True(answer.GetProperty("did_succeed").GetBoolean());
        Assert.Equal("/hubs/chat", answer.GetProperty("ws").GetString());
        Assert.Equal(room, answer.GetProperty("data").GetProperty("room").GetString());
        var session = answer.GetProperty("data").GetProperty("session");
        Assert.Equal(room, session.GetProperty("room").GetString());
        Assert.Equal("Pending", session.GetProperty("state").GetString());
        Assert.Equal(4, session.GetProperty("maxPlayers").GetInt32());
        Assert.Equal([host.Username], Players(session));
        Assert.Equal("Waiting", (await Status(host)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_session_becomes_active_when_full_and_its_players_are_playing()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        await using var guest = await ChatClient.RegisterAsync(gateway);
        var room = ChatClient.UniqueName("duel");
        await Lobby(host, new { type = "host", room, maxPlayers = 2 });

        var joined = await Lobby(guest, new { type = "join", room });

        Assert.Equal("Active", joined.GetProperty("data").GetProperty("session").GetProperty("state").GetString());
        Assert.Equal("Playing", (await Status(host)).GetProperty("state").GetString());
        Assert.Equal("Playing", (await Status(guest)).GetProperty("state").GetString());
        var sessions = await gateway.CreateClient().GetFromJsonAsync<JsonElement>("/api/lobby/sessions");
        Assert.Contains(sessions.GetProperty("active_sessions").EnumerateArray(), s => s.GetProperty("room").GetString() == room);
        Assert.DoesNotContain(sessions.GetProperty("pending_sessions").EnumerateArray(), s => s.GetProperty("room").GetString() == room);
    }

    [Fact]
    public async Task The_host_can_start_a_session_early_but_no_one_else_can()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        await using var guest = await ChatClient.RegisterAsync(gateway);
        var room = ChatClient.UniqueName("early");
        await Lobby(host, new { type = "host", room });
        await Lobby(guest, new { type = "join", room });

        var byGuest = await guest.Http.PostAsync($"/api/lobby/sessions/{room}/start", null);
        var byHost = await host.Http.PostAsync($"/api/lobby/sessions/{room}/start", null);
        var again = await host.Http.PostAsync($"/api/lobby/sessions/{room}/start", null);

        await AssertFailure(byGuest, HttpStatusCode.Forbidden);
        Assert.Equal("Active", (await byHost.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("session").GetProperty("state").GetString());
        await AssertFailure(again, HttpStatusCode.Conflict);
        await AssertFailure(await host.Http.PostAsync("/api/lobby/sessions/no-such-session/start", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_host_leaving_ends_the_session_and_frees_every_player()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        await using var guest = await ChatClient.RegisterAsync(gateway);
        var room = ChatClient.UniqueName("short");
        await Lobby(host, new { type = "host", room });
        await Lobby(guest, new { type = "join", room });

        var left = await host.Http.PostAsync("/api/lobby/leave", null);

        Assert.Equal("Ended", (await left.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("session").GetProperty("state").GetString());
        Assert.Equal("Idle", (await Status(guest)).GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, (await Status(guest)).GetProperty("session").ValueKind);
        await AssertFailure(await guest.Http.PostAsync("/api/lobby/leave", null), HttpStatusCode.Conflict);
        var rehosted = await Lobby(guest, new { type = "host", room });
        Assert.Equal("Pending", rehosted.GetProperty("data").GetProperty("session").GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_guest_leaving_keeps_the_session_and_the_last_player_leaving_ends_it()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        await using var guest = await ChatClient.RegisterAsync(gateway);
        var room = ChatClient.UniqueName("lonely");
        await Lobby(host, new { type = "host", room, maxPlayers = 3 });
        await Lobby(guest, new { type = "join", room });

        var guestLeft = await (await guest.Http.PostAsync("/api/lobby/leave", null)).Content.ReadFromJsonAsync<JsonElement>();
        var hostLeft = await (await host.Http.PostAsync("/api/lobby/leave", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("Pending", guestLeft.GetProperty("data").GetProperty("session").GetProperty("state").GetString());
        Assert.Equal([host.Username], Players(guestLeft.GetProperty("data").GetProperty("session")));
        Assert.Equal("Ended", hostLeft.GetProperty("data").GetProperty("session").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Twenty_users_racing_for_a_four_player_session_fill_exactly_its_seats()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        var room = ChatClient.UniqueName("rush");
        await Lobby(host, new { type = "host", room, maxPlayers = 4 });
        var racers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ChatClient.RegisterAsync(gateway)));

        var responses = await Task.WhenAll(racers.Select(r => r.Http.PostAsJsonAsync("/api/lobby", new { type = "join", room })));

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        foreach (var failed in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            var body = await AssertFailure(failed, HttpStatusCode.Conflict);
            Assert.True(body.GetProperty("message").GetString()!.Contains("full", StringComparison.Ordinal)
                || body.GetProperty("message").GetString()!.Contains("already started", StringComparison.Ordinal));
        }

        var session = (await gateway.CreateClient().GetFromJsonAsync<JsonElement>("/api/lobby/sessions"))
            .GetProperty("active_sessions").EnumerateArray().Single(s => s.GetProperty("room").GetString() == room);
        var players = Players(session);
        Assert.Equal(4, players.Length);
        foreach (var racer in racers)
        {
            var status = await Status(racer);
            var seated = players.Contains(racer.Username);
            Assert.Equal(seated ? "Playing" : "Idle", status.GetProperty("state").GetString());
            Assert.Equal(seated, status.GetProperty("session").ValueKind == JsonValueKind.String);
        }
    }

    [Fact]
    public async Task A_user_is_in_at_most_one_session()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        await using var other = await ChatClient.RegisterAsync(gateway);
        var first = ChatClient.UniqueName("one");
        var second = ChatClient.UniqueName("two");
        await Lobby(host, new { type = "host", room = first });
        await Lobby(other, new { type = "host", room = second });

        var hostAgain = await host.Http.PostAsJsonAsync("/api/lobby", new { type = "host", room = ChatClient.UniqueName("three") });
        var joinOther = await host.Http.PostAsJsonAsync("/api/lobby", new { type = "join", room = second });

        await AssertFailure(hostAgain, HttpStatusCode.Conflict);
        await AssertFailure(joinOther, HttpStatusCode.Conflict);
        Assert.Equal(first.ToLowerInvariant(), (await Status(host)).GetProperty("session").GetString());
    }

    [Theory]
    [InlineData("""{"type":"spectate","room":"x"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"room":"x"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"type":"host","room":"x","maxPlayers":1}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"type":"host","room":"x","maxPlayers":17}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"type":"host","room":""}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"type":"host","room":"x","robot":"has space"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"type":"host","room":"x","robot":"expensive-model"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"type":"host","room":"x","maxPlayers":"four"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"type":"join","room":"no-such-session"}""", HttpStatusCode.NotFound)]
    public async Task Bad_lobby_requests_get_the_specified_status_with_did_succeed_false(string body, HttpStatusCode status)
    {
        await using var user = await ChatClient.RegisterAsync(gateway);

        var response = await user.Http.PostAsync("/api/lobby", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await AssertFailure(response, status);
        Assert.Equal("Idle", (await Status(user)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task The_lobby_welcomes_the_user_and_lists_registered_users_with_their_state()
    {
        await using var user = await ChatClient.RegisterAsync(gateway);
        await Lobby(user, new { type = "host", room = ChatClient.UniqueName("listed") });

        var welcome = await user.Http.GetFromJsonAsync<JsonElement>("/api/lobby");
        var users = await gateway.CreateClient().GetFromJsonAsync<JsonElement>("/api/lobby/users");

        Assert.Equal($"Welcome {user.Username}!", welcome.GetProperty("message").GetString());
        Assert.Equal("Registered users", users.GetProperty("message").GetString());
        Assert.Equal("Waiting", users.GetProperty("users").EnumerateArray().Single(u => u.GetProperty("username").GetString() == user.Username).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.CreateClient().GetAsync("/api/lobby")).StatusCode);
    }

    [Fact]
    public async Task Players_get_session_updates_and_chat_in_the_session_room_whose_members_follow_the_players()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        await using var guest = await ChatClient.RegisterAsync(gateway);
        await host.ConnectAsync();
        var guestHub = await guest.ConnectAsync();
        var room = ChatClient.UniqueName("talk");
        var roomId = (await Lobby(host, new { type = "host", room })).GetProperty("data").GetProperty("session").GetProperty("roomId").GetString()!;

        await Lobby(guest, new { type = "join", room });
        await host.WaitForEventAsync("LobbySessionUpdated", s => Players(s).Length == 2);
        await guestHub.InvokeAsync<JsonElement>("SendMessage", roomId, "gl hf", null);
        await host.WaitForEventAsync("MessageReceived", m => m.GetProperty("text").GetString() == "gl hf");
        await guest.Http.PostAsync("/api/lobby/leave", null);

        await host.WaitForEventAsync("LobbySessionUpdated", s => Players(s).Length == 1);
        await AccountApiTests.AssertProblem(await guest.Http.GetAsync($"/api/rooms/{roomId}/messages"), HttpStatusCode.Forbidden);
        await AccountApiTests.AssertProblem(await guest.Http.PostAsync($"/api/rooms/{roomId}/join", null), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_echo_robot_answers_each_human_message_through_the_hub_and_never_itself()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        var hub = await host.ConnectAsync();
        var roomId = (await Lobby(host, new { type = "host", room = ChatClient.UniqueName("bot"), robot = "echo" })).GetProperty("data").GetProperty("session").GetProperty("roomId").GetString()!;

        await hub.InvokeAsync<JsonElement>("SendMessage", roomId, "ping one", null);
        await hub.InvokeAsync<JsonElement>("SendMessage", roomId, "ping two", null);

        await host.WaitForEventAsync("MessageReceived", m => m.GetProperty("text").GetString() == "echo: ping two");
        await Task.Delay(300);
        var history = await host.HistoryAsync(roomId);

        // The robot answers each human message once, in order, after it; it never answers its own replies.
        var byRobot = history.Where(m => m.GetProperty("sender").GetString() == "robot:echo").ToArray();
        Assert.Equal(4, history.Length);
        Assert.Equal(new[] { "echo: ping one", "echo: ping two" }, byRobot.Select(m => m.GetProperty("text").GetString()!).ToArray());
        long IdOf(string text) => history.Single(m => m.GetProperty("text").GetString() == text).GetProperty("id").GetInt64();
        Assert.True(IdOf("echo: ping one") > IdOf("ping one"));
        Assert.True(IdOf("echo: ping two") > IdOf("ping two"));
    }

    [Fact]
    public async Task An_http_robot_answers_from_the_chat_completions_endpoint_with_the_room_history()
    {
        gateway.Completions.Mode = "ok";
        await using var host = await ChatClient.RegisterAsync(gateway);
        var roomId = await HostWithRobotAsync(host, "tiny-model");

        await host.PostAsync(roomId, "what is 2+2?");

        var reply = await WaitForReplyAsync(host, roomId, 2);
        Assert.Equal($"tiny-model heard: {host.Username}: what is 2+2?", reply.GetProperty("text").GetString());
        Assert.Equal("robot:tiny-model", reply.GetProperty("sender").GetString());
        var request = gateway.Completions.Requests.Last();
        Assert.Equal("tiny-model", request.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("error", "returned 500")]
    [InlineData("hang", "did not answer within")]
    public async Task A_failing_or_silent_robot_leaves_a_short_notice_and_the_human_message_stays(string mode, string notice)
    {
        gateway.Completions.Mode = mode;
        await using var host = await ChatClient.RegisterAsync(gateway);
        var roomId = await HostWithRobotAsync(host, $"model-{mode}");

        await host.PostAsync(roomId, "anyone there?");

        var reply = await WaitForReplyAsync(host, roomId, 2);
        Assert.Contains(notice, reply.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("anyone there?", (await host.HistoryAsync(roomId))[0].GetProperty("text").GetString());
        await host.PostAsync(roomId, "still works");
        Assert.Equal(4, (await WaitForReplyAsync(host, roomId, 4)).GetProperty("id").GetInt64());
    }

    private async Task<string> HostWithRobotAsync(ChatClient host, string robot) =>
        (await Lobby(host, new { type = "host", room = ChatClient.UniqueName("ai"), robot })).GetProperty("data").GetProperty("session").GetProperty("roomId").GetString()!;

    private static async Task<JsonElement> WaitForReplyAsync(ChatClient client, string roomId, int count)
    {
        JsonElement[] history = [];
        await Eventually.TrueAsync(() => (history = client.HistoryAsync(roomId).Result).Length >= count, ChatClient.WaitLimit);
        return history[count - 1];
    }

    private static async Task<JsonElement> Lobby(ChatClient client, object body)
    {
        var response = await client.Http.PostAsJsonAsync("/api/lobby", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> Status(ChatClient client) =>
        (await client.Http.GetFromJsonAsync<JsonElement>("/api/lobby")).GetProperty("data").GetProperty("user");

    private static string[] Players(JsonElement session) =>
        session.GetProperty("players").EnumerateArray().Select(p => p.GetString()!).ToArray();

    private static async Task<JsonElement> AssertFailure(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await AccountApiTests.AssertProblem(response, status);
        Assert.False(body.GetProperty("did_succeed").GetBoolean());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        return body;
    }
}

/// <summary>Random join needs a lobby of its own: open sessions of other tests would be fair game.</summary>
public sealed class RandomJoinTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Random_join_answers_404_when_no_session_is_open_and_otherwise_takes_a_free_seat()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        await using var seeker = await ChatClient.RegisterAsync(gateway);
        await using var latecomer = await ChatClient.RegisterAsync(gateway);

        var none = await seeker.Http.PostAsJsonAsync("/api/lobby", new { type = "join", random = true });
        await host.Http.PostAsJsonAsync("/api/lobby", new { type = "host", room = "the only one", maxPlayers = 2 });
        var joined = await seeker.Http.PostAsJsonAsync("/api/lobby", new { type = "join", random = true });
        var full = await latecomer.Http.PostAsJsonAsync("/api/lobby", new { type = "join", random = true });

        var problem = await AccountApiTests.AssertProblem(none, HttpStatusCode.NotFound);
        Assert.False(problem.GetProperty("did_succeed").GetBoolean());
        Assert.Contains("no open session", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        var data = (await joined.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
        var session = data.GetProperty("session");
        Assert.Equal("the only one", data.GetProperty("room").GetString());
        Assert.Equal("the only one", session.GetProperty("room").GetString());
        Assert.Contains(seeker.Username, session.GetProperty("players").EnumerateArray().Select(p => p.GetString()));
        await AccountApiTests.AssertProblem(full, HttpStatusCode.NotFound);
        var latecomerStatus = (await latecomer.Http.GetFromJsonAsync<JsonElement>("/api/lobby")).GetProperty("data").GetProperty("user");
        Assert.Equal("Idle", latecomerStatus.GetProperty("state").GetString());
    }
}
