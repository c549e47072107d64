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

    [Fact]
    public async Task The_site_serves_its_favicon()
    {
        var response = await gateway.CreateClient().GetAsync("/favicon.ico");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/x-icon", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0, 0, 1, 0], (await response.Content.ReadAsByteArrayAsync())[..4]);
    }

    [Fact]
    public async Task The_web_server_refuses_a_nul_in_the_path_before_the_app_runs()
    {
        var response = await gateway.CreateClient().GetAsync("/api/rooms/a%00b");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_web_server_refuses_a_ten_thousand_character_path()
    {
        var response = await gateway.CreateClient().GetAsync("/api/rooms/" + new string('a', 10_000));

        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
    }
}
