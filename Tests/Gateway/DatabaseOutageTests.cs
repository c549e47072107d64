using System.Net;
using System.Net.Http.Json;
using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Gateway;

/// <summary>PostgreSQL goes away under a running Gateway and comes back.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseOutageTests(PostgresServer server)
{
    [PostgresFact]
    public async Task While_the_database_is_down_sends_are_503_and_never_acknowledged_and_the_service_recovers_by_itself()
    {
        await using var gateway = new PostgresGatewayFactory(await server.CreateDatabaseAsync());
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await alice.PostAsync(roomId, "before");

        await server.StopAsync();
        HttpResponseMessage during, health;
        try
        {
            during = await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = "during" });
            health = await gateway.CreateClient().GetAsync("/health");
        }
        finally
        {
            await server.StartAsync();
        }

        await AccountApiTests.AssertProblem(during, HttpStatusCode.ServiceUnavailable, "Storage is unavailable");
        Assert.NotNull(during.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);

        HttpResponseMessage? after = null;
        await Eventually.TrueAsync(
            () =>
            {
                after = alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = "after" }).Result;
                return after.StatusCode == HttpStatusCode.Created;
            },
            TimeSpan.FromSeconds(30),
            "sends work again once the database is back");
        Assert.Equal(HttpStatusCode.OK, (await gateway.CreateClient().GetAsync("/health")).StatusCode);
        Assert.Equal(["before", "after"], (await alice.HistoryAsync(roomId)).Select(m => m.GetProperty("text").GetString()));
    }
}
