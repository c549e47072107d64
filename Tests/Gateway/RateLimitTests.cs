using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Gateway;

/// <summary>A Gateway whose send rate is low enough to hit in a test.</summary>
public sealed class LowRateGatewayFactory : GatewayFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["GrainChat:RateLimit:MessagesPerSecond"] = "1",
        ["GrainChat:RateLimit:Burst"] = "3",
    };
}

public sealed class RateLimitTests(LowRateGatewayFactory gateway) : IClassFixture<LowRateGatewayFactory>
{
    [Fact]
    public async Task Sending_faster_than_the_limit_answers_429_with_retry_after_and_stores_nothing_extra()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            responses.Add(await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = $"m{i}" }));
        }

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        Assert.NotEmpty(limited);
        Assert.NotNull(limited[0].Headers.RetryAfter?.Delta);
        await AccountApiTests.AssertProblem(limited[0], HttpStatusCode.TooManyRequests, "wait");
        Assert.Equal(responses.Count(r => r.StatusCode == HttpStatusCode.Created), (await alice.HistoryAsync(roomId)).Length);
    }

    [Fact]
    public async Task Sending_over_the_hub_faster_than_the_limit_gets_a_hub_exception_with_a_retry_hint()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var hub = await alice.ConnectAsync();

        HubException? limited = null;
        for (var i = 0; i < 6 && limited is null; i++)
        {
            try
            {
                await hub.InvokeAsync<JsonElement>("SendMessage", roomId, $"m{i}", null);
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
}
