using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Gateway;

/// <summary><c>GET /api/search</c> on SQLite (FTS5).</summary>
public sealed class SearchTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Search_finds_only_messages_of_rooms_the_caller_is_a_member_of() => await SearchScenarios.OnlyMyRooms(gateway);

    [Fact]
    public async Task An_edited_message_is_found_by_its_new_text_only_and_a_deleted_one_not_at_all() => await SearchScenarios.EditsAndDeletions(gateway);

    [Fact]
    public async Task Results_come_newest_first_in_pages_and_phrases_match_words_in_order() => await SearchScenarios.PagesAndPhrases(gateway);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"unclosed phrase")]
    [InlineData("(unbalanced")]
    [InlineData("closing) first(")]
    [InlineData("!!! ???")]
    public async Task A_bad_query_is_a_400(string q)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);

        await AccountApiTests.AssertProblem(await alice.Http.GetAsync($"/api/search?q={Uri.EscapeDataString(q)}"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_over_long_query_a_bad_cursor_a_large_limit_and_a_foreign_room_are_refused()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var bobsRoom = await bob.CreateRoomAsync();

        await AccountApiTests.AssertProblem(await alice.Http.GetAsync($"/api/search?q={new string('a', 201)}"), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await alice.Http.GetAsync("/api/search?q=hello&before=nonsense"), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await alice.Http.GetAsync("/api/search?q=hello&limit=51"), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await alice.Http.GetAsync($"/api/search?q=hello&roomId={bobsRoom}"), HttpStatusCode.Forbidden);
    }
}

/// <summary>The same searches on PostgreSQL (tsvector and a GIN index).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSearchTests(PostgresServer server)
{
    [PostgresFact]
    public async Task Search_on_postgres_keeps_to_my_rooms_follows_edits_and_deletions_and_pages_newest_first()
    {
        await using var gateway = new PostgresGatewayFactory(await server.CreateDatabaseAsync());
        await SearchScenarios.OnlyMyRooms(gateway);
        await SearchScenarios.EditsAndDeletions(gateway);
        await SearchScenarios.PagesAndPhrases(gateway);
    }
}

internal static class SearchScenarios
{
    public static async Task OnlyMyRooms(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var word = $"zebra{Guid.NewGuid():N}"[..16];
        var privateRoom = await alice.CreateRoomAsync();
        await alice.PostAsync(privateRoom, $"the {word} is in here");

        var mine = await SearchAsync(alice, word);
        var theirs = await SearchAsync(bob, word);

        var hit = Assert.Single(mine.GetProperty("results").EnumerateArray());
        Assert.Equal(privateRoom, hit.GetProperty("roomId").GetString());
        Assert.False(string.IsNullOrEmpty(hit.GetProperty("roomName").GetString()));
        Assert.Equal($"the {word} is in here", hit.GetProperty("message").GetProperty("text").GetString());
        Assert.Empty(theirs.GetProperty("results").EnumerateArray());
    }

    public static async Task EditsAndDeletions(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var (before, after, gone) = ($"old{Guid.NewGuid():N}"[..14], $"new{Guid.NewGuid():N}"[..14], $"bye{Guid.NewGuid():N}"[..14]);
        var id = (await alice.PostAsync(roomId, $"first {before}")).GetProperty("id").GetInt64();
        var doomed = (await alice.PostAsync(roomId, $"second {gone}")).GetProperty("id").GetInt64();

        await alice.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{id}", new { text = $"first {after}" });
        await alice.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{doomed}");

        Assert.Empty((await SearchAsync(alice, before)).GetProperty("results").EnumerateArray());
        Assert.Equal(id, Assert.Single((await SearchAsync(alice, after)).GetProperty("results").EnumerateArray()).GetProperty("message").GetProperty("id").GetInt64());
        Assert.Empty((await SearchAsync(alice, gone)).GetProperty("results").EnumerateArray());
    }

    public static async Task PagesAndPhrases(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var tag = $"tag{Guid.NewGuid():N}"[..12];
        for (var i = 1; i <= 5; i++)
        {
            await alice.PostAsync(roomId, $"{tag} quick brown fox number {i}");
            await Task.Delay(5); // distinct milliseconds, so "newest first" is visible
        }

        await alice.PostAsync(roomId, $"{tag} brown quick fox, words out of order");

        var first = await SearchAsync(alice, $"\"quick brown\" {tag}", "&limit=3");
        var second = await SearchAsync(alice, $"\"quick brown\" {tag}", $"&limit=3&before={Uri.EscapeDataString(first.GetProperty("next").GetString()!)}");

        var ids = first.GetProperty("results").EnumerateArray().Concat(second.GetProperty("results").EnumerateArray())
            .Select(r => r.GetProperty("message").GetProperty("id").GetInt64());
        Assert.Equal([5L, 4L, 3L, 2L, 1L], ids);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(6, (await SearchAsync(alice, $"QUICK {tag}")).GetProperty("results").GetArrayLength());
    }

    private static async Task<JsonElement> SearchAsync(ChatClient client, string q, string more = "")
    {
        var response = await client.Http.GetAsync($"/api/search?q={Uri.EscapeDataString(q)}{more}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
