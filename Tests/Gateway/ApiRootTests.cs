using System.Net;
using System.Net.Http.Json;
using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Gateway;

public sealed class ApiRootTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task The_api_root_says_the_chat_api_is_running()
    {
        var response = await gateway.CreateClient().GetFromJsonAsync<Dictionary<string, string>>("/api/");

        Assert.Equal("Chat API is running", response!["message"]);
    }

    [Fact]
    public async Task Health_is_ready_when_storage_answers_and_alive_always_answers()
    {
        var client = gateway.CreateClient();

        var health = await client.GetAsync("/health");
        var alive = await client.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task An_unknown_route_answers_404_with_problem_details()
    {
        var response = await gateway.CreateClient().GetAsync("/api/no-such-route");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
