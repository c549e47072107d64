using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Silo.Telemetry;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Gateway;

/// <summary>Lists come in pages (<c>?limit=&amp;after=</c>, the next page in a <c>Link</c> header) and keep their JSON shape.</summary>
public sealed class PagingTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Rooms_page_by_page_through_the_link_header_are_every_room_once_in_order()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await alice.CreateRoomAsync());
        }

        var pages = await FollowAsync(alice.Http, "/api/rooms?limit=3");
        var rooms = pages.SelectMany(p => p).Select(r => (Id: r.GetProperty("roomId").GetString()!, CreatedAt: r.GetProperty("createdAt").GetDateTimeOffset())).ToArray();

        // Oldest first; rooms created in the same millisecond follow their ids.
        Assert.Equal(rooms.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal), rooms);
        Assert.Equal(rooms.Length, rooms.Select(r => r.Id).Distinct().Count());
        Assert.Equal(created.Order(StringComparer.Ordinal), rooms.Select(r => r.Id).Where(created.Contains).Order(StringComparer.Ordinal));
        Assert.All(pages.SkipLast(1), p => Assert.Equal(3, p.Length));
    }

    [Fact]
    public async Task My_rooms_page_too()
    {
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await bob.CreateRoomAsync());
        }

        var pages = await FollowAsync(bob.Http, "/api/rooms?joined=true&limit=2");

        Assert.Equal([2, 2, 1], pages.Select(p => p.Length));
        Assert.Equal(created.Order(StringComparer.Ordinal), pages.SelectMany(p => p).Select(r => r.GetProperty("roomId").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Users_page_by_name()
    {
        await using var carol = await ChatClient.RegisterAsync(gateway);
        for (var i = 0; i < 4; i++)
        {
            await ChatClient.RegisterAsync(gateway);
        }

        var pages = await FollowAsync(carol.Http, "/api/users?limit=2");
        var names = pages.SelectMany(p => p).Select(u => u.GetProperty("username").GetString()!).ToArray();

        Assert.Equal(names.Order(StringComparer.OrdinalIgnoreCase), names);
        Assert.Equal(names.Distinct().Count(), names.Length);
        Assert.Contains(carol.Username, names);
    }

    [Fact]
    public async Task Direct_conversations_page_too()
    {
        await using var dave = await ChatClient.RegisterAsync(gateway);
        for (var i = 0; i < 3; i++)
        {
            await using var friend = await ChatClient.RegisterAsync(gateway);
            await dave.Http.PostAsJsonAsync($"/api/dm/{friend.Username}/messages", new { text = $"hi {i}" });
        }

        var pages = await FollowAsync(dave.Http, "/api/dm?limit=2");

        Assert.Equal([2, 1], pages.Select(p => p.Length));
        Assert.All(pages.SelectMany(p => p), c => Assert.StartsWith("hi ", c.GetProperty("lastMessage").GetProperty("text").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_anonymous_lobby_user_list_pages_and_activates_no_grain()
    {
        for (var i = 0; i < 3; i++)
        {
            await ChatClient.RegisterAsync(gateway);
        }

        var statistics = gateway.Services.GetRequiredService<SiloStatistics>();
        var before = statistics.Activations;
        var anonymous = gateway.CreateClient();

        var first = await anonymous.GetAsync("/api/lobby/users?limit=2");
        var body = await first.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(2, body.GetProperty("users").GetArrayLength());
        Assert.Contains("rel=\"next\"", first.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        Assert.All(body.GetProperty("users").EnumerateArray(), u => Assert.Equal("Idle", u.GetProperty("state").GetString()));
        Assert.Equal(before, statistics.Activations);
    }

    [Theory]
    [InlineData("/api/rooms?limit=0")]
    [InlineData("/api/rooms?limit=201")]
    [InlineData("/api/users?limit=-1")]
    [InlineData("/api/dm?after=")]
    [InlineData("/api/lobby/sessions?limit=1000")]
    public async Task A_limit_out_of_range_is_a_400(string path)
    {
        await using var erin = await ChatClient.RegisterAsync(gateway);

        await AccountApiTests.AssertProblem(await erin.Http.GetAsync(path), HttpStatusCode.BadRequest);
    }

    /// <summary>Follows <c>rel="next"</c> links from <paramref name="path"/>; each page as it came.</summary>
    private static async Task<List<JsonElement[]>> FollowAsync(HttpClient http, string path)
    {
        var pages = new List<JsonElement[]>();
        for (string? next = path; next is not null && pages.Count < 50;)
        {
            var response = await http.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            pages.Add(await response.Content.ReadFromJsonAsync<JsonElement[]>() ?? []);
            next = response.Headers.TryGetValues("Link", out var links)
                ? System.Text.RegularExpressions.Regex.Match(links.Single(), "<([^>]+)>; rel=\"next\"").Groups[1].Value
                : null;
        }

        return pages;
    }
}
