using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Gateway;

/// <summary>A Gateway whose abuse limits are low enough to reach in a test; clients tell their address with X-Forwarded-For (loopback is a trusted proxy).</summary>
public sealed class LowLimitGatewayFactory : GatewayFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["GrainChat:RateLimit:LoginsPerMinutePerAddress"] = "5",
        ["GrainChat:RateLimit:FailedLoginsPerUsername"] = "3",
        ["GrainChat:RateLimit:FailedLoginRefill"] = "01:00:00",
        ["GrainChat:RateLimit:RegistrationsPerHourPerAddress"] = "3",
        ["GrainChat:RateLimit:BroadcastsPerSecond"] = "1",
        ["GrainChat:RateLimit:BroadcastBurst"] = "2",
        ["GrainChat:Limits:ConnectionsPerUser"] = "2",
        ["GrainChat:RateLimit:RoomsCreatedPerHour"] = "2",
        ["GrainChat:RateLimit:JoinsPerMinute"] = "3",
    };
}

public sealed class AbuseLimitTests(LowLimitGatewayFactory gateway) : IClassFixture<LowLimitGatewayFactory>
{
    [Fact]
    public async Task Login_attempts_from_one_address_are_limited_whatever_the_username()
    {
        var address = NewAddress();
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await LoginAsync(ChatClient.UniqueName("nobody"), "wrong password", address));
        }

        Assert.All(answers.Take(5), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        await AccountApiTests.AssertProblem(answers[5], HttpStatusCode.TooManyRequests, "address");
        Assert.NotNull(answers[5].Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_username_under_attack_refuses_new_addresses_but_not_the_users_own()
    {
        var (home, attacker, elsewhere) = (NewAddress(), NewAddress(), NewAddress());
        var victim = ChatClient.UniqueName("victim");
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(victim, home)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(victim, "correct horse", home)).StatusCode);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(victim, $"guess {i}", attacker)).StatusCode);
        }

        await AccountApiTests.AssertProblem(await LoginAsync(victim, "guess 4", attacker), HttpStatusCode.TooManyRequests, "username");
        await AccountApiTests.AssertProblem(await LoginAsync(victim, "correct horse", elsewhere), HttpStatusCode.TooManyRequests, "username");
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(victim, "correct horse", home)).StatusCode);
    }

    [Fact]
    public async Task Registrations_from_one_address_are_limited()
    {
        var address = NewAddress();
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await RegisterAsync(ChatClient.UniqueName("reg"), address));
        }

        Assert.All(answers.Take(3), a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        await AccountApiTests.AssertProblem(answers[3], HttpStatusCode.TooManyRequests, "registrations");
    }

    [Fact]
    public async Task Broadcast_data_over_4_KB_is_refused_and_the_connection_stays()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var hub = await alice.ConnectAsync();

        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Broadcast", new string('x', 4_200)));

        Assert.Contains("4 KB", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }

    [Fact]
    public async Task Message_and_Broadcast_share_a_per_user_rate_limit_with_a_retry_hint()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var hub = await alice.ConnectAsync();

        HubException? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            try
            {
                await hub.InvokeAsync<JsonElement>(i % 2 == 0 ? "Broadcast" : "Message", $"hello {i}");
            }
            catch (HubException exception)
            {
                limited = exception;
            }
        }

        Assert.NotNull(limited);
        Assert.Contains("retryAfter=", limited.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }

    [Fact]
    public async Task A_connection_refused_at_start_up_is_told_why_when_it_closes()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await alice.ConnectAsync();
        await alice.ConnectAsync();

        var refused = await Assert.ThrowsAsync<HubException>(() => alice.ConnectAsync());

        Assert.Contains("at most 2 connections", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_over_the_per_user_cap_is_refused_and_leaves_nothing_behind()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var first = await alice.ConnectAsync();
        await alice.ConnectAsync();

        // The handshake completes before the hub's connect code runs; refusing it there closes the connection.
        var third = await alice.ConnectAsync(waitForStartUp: false);
        await Eventually.TrueAsync(() => third.State == HubConnectionState.Disconnected, ChatClient.WaitLimit, "the third connection is closed");
        await first.DisposeAsync();

        // Had the refused connection stayed registered, the user would still hold two and this would be refused too.
        await Eventually.TrueAsync(() => Connections(alice.Username) == 1, ChatClient.WaitLimit);
        var again = await alice.ConnectAsync();
        Assert.Equal(HubConnectionState.Connected, again.State);
        Assert.Equal(2, Connections(alice.Username));
    }

    [Fact]
    public async Task A_refused_connection_leaves_the_users_other_connections_receiving_their_events()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var first = await alice.ConnectAsync();
        var second = await alice.ConnectAsync();
        var third = await alice.ConnectAsync(waitForStartUp: false);
        await Eventually.TrueAsync(() => third.State == HubConnectionState.Disconnected, ChatClient.WaitLimit);

        await first.DisposeAsync();
        await bob.Http.PostAsJsonAsync($"/api/dm/{alice.Username}/messages", new { text = "still there?" });

        await alice.WaitForEventAsync("DirectMessageReceived", e => e.GetProperty("text").GetString() == "still there?");
        Assert.Equal(HubConnectionState.Connected, second.State);
    }

    [Fact]
    public async Task Rooms_created_per_hour_are_limited_per_user()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await alice.CreateRoomAsync();
        await alice.CreateRoomAsync();

        var third = await alice.Http.PostAsJsonAsync("/api/rooms", new { roomName = ChatClient.UniqueName("r") });

        await AccountApiTests.AssertProblem(third, HttpStatusCode.TooManyRequests, "rooms created");
    }

    [Fact]
    public async Task Joins_and_leaves_are_limited_per_user_over_rest_and_hub()
    {
        await using var owner = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await owner.CreateRoomAsync();
        var hub = await bob.ConnectAsync();

        await bob.JoinAsync(roomId);
        Assert.Equal(HttpStatusCode.OK, (await bob.Http.PostAsync($"/api/rooms/{roomId}/leave", null)).StatusCode);
        await hub.InvokeAsync<JsonElement>("JoinRoom", roomId);

        var limited = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("LeaveRoom", roomId));
        Assert.Contains("retryAfter=", limited.Message, StringComparison.Ordinal);
        await AccountApiTests.AssertProblem(await bob.Http.PostAsync($"/api/rooms/{roomId}/leave", null), HttpStatusCode.TooManyRequests);
    }

    private int Connections(string username) =>
        gateway.Services.GetRequiredService<GrainChat.Gateway.Realtime.ConnectionRegistry>().CountOfUser(username.ToLowerInvariant());

    private static string NewAddress() => $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}";

    private Task<HttpResponseMessage> LoginAsync(string username, string password, string address) =>
        SendAsync("/api/login", new { username, password }, address);

    private Task<HttpResponseMessage> RegisterAsync(string username, string address) =>
        SendAsync("/api/register", new { username, password = "correct horse" }, address);

    private Task<HttpResponseMessage> SendAsync(string path, object body, string address)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", address);
        return gateway.CreateClient().SendAsync(request);
    }
}

/// <summary>A Gateway whose grain calls time out at once.</summary>
public sealed class ImpatientGatewayFactory : GatewayFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["GrainChat:Silo:CallTimeout"] = "00:00:00.001",
        ["GrainChat:Silo:CollectionInterval"] = "00:00:00.010",
        ["GrainChat:Bootstrap:AdminPassword"] = "",
    };
}

public sealed class GrainTimeoutTests(ImpatientGatewayFactory gateway) : IClassFixture<ImpatientGatewayFactory>
{
    [Fact]
    public async Task A_grain_call_that_times_out_is_a_503_with_retry_after_not_a_500()
    {
        // Registration hashes a password (tens of milliseconds), far longer than the 1 ms call timeout; the
        // collector that answers late calls runs every 10 ms, so on a busy machine one attempt may still slip
        // through: a few attempts, and never a 500.
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10 && !statuses.Any(r => r.StatusCode == HttpStatusCode.ServiceUnavailable); i++)
        {
            statuses.Add(await gateway.CreateClient().PostAsJsonAsync("/api/register", new { username = ChatClient.UniqueName(), password = "correct horse" }));
        }

        Assert.DoesNotContain(statuses, r => (int)r.StatusCode >= 500 && r.StatusCode != HttpStatusCode.ServiceUnavailable);
        var unavailable = statuses.Last();
        await AccountApiTests.AssertProblem(unavailable, HttpStatusCode.ServiceUnavailable, "retry");
        Assert.Equal(TimeSpan.FromSeconds(5), unavailable.Headers.RetryAfter?.Delta);
    }
}
