using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using static GrainChat.Tests.Gateway.AccountApiTests;

namespace GrainChat.Tests.Gateway;

public sealed class RoomApiTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Creating_a_room_answers_201_and_makes_the_creator_a_member()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomName = ChatClient.UniqueName("Room ");

        var response = await alice.Http.PostAsJsonAsync("/api/rooms", new { roomName });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var room = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(roomName, room.GetProperty("roomName").GetString());
        Assert.Equal(1, room.GetProperty("memberCount").GetInt32());
        Assert.Equal(alice.Username, room.GetProperty("createdBy").GetString());
        var details = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room.GetProperty("roomId").GetString()}");
        Assert.Equal(alice.Username, details.GetProperty("members")[0].GetProperty("username").GetString());
    }

    [Fact]
    public async Task A_room_name_taken_in_another_letter_case_answers_409()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomName = ChatClient.UniqueName("Lounge");
        await alice.CreateRoomAsync(roomName);

        var response = await alice.Http.PostAsJsonAsync("/api/rooms", new { roomName = roomName.ToLowerInvariant() });

        await AssertProblem(response, HttpStatusCode.Conflict, "already taken");
    }

    [Fact]
    public async Task Fifty_concurrent_creates_of_one_name_make_exactly_one_room()
    {
        var creators = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => ChatClient.RegisterAsync(gateway)));
        var roomName = ChatClient.UniqueName("Race");

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            creators[i % creators.Length].Http.PostAsJsonAsync("/api/rooms", new { roomName = i % 2 == 0 ? roomName : roomName.ToUpperInvariant() })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var rooms = await creators[0].Http.GetFromJsonAsync<JsonElement[]>("/api/rooms");
        Assert.Single(rooms!, r => string.Equals(r.GetProperty("roomName").GetString(), roomName, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task A_room_without_a_name_answers_400(string? roomName)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);

        var problem = await AssertProblem(await alice.Http.PostAsJsonAsync("/api/rooms", new { roomName }), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("roomName", out _));
    }

    [Fact]
    public async Task A_room_name_over_100_characters_answers_400()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);

        await AssertProblem(await alice.Http.PostAsJsonAsync("/api/rooms", new { roomName = new string('r', 101) }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Listing_rooms_shows_all_rooms_or_only_mine_when_asked()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var alicesRoom = await alice.CreateRoomAsync();
        var bobsRoom = await bob.CreateRoomAsync();

        var all = (await alice.Http.GetFromJsonAsync<JsonElement[]>("/api/rooms"))!.Select(r => r.GetProperty("roomId").GetString()).ToArray();
        var mine = (await alice.Http.GetFromJsonAsync<JsonElement[]>("/api/rooms?joined=true"))!.Select(r => r.GetProperty("roomId").GetString()).ToArray();

        Assert.Contains(alicesRoom, all);
        Assert.Contains(bobsRoom, all);
        Assert.Equal(new[] { alicesRoom }, mine);
    }

    [Fact]
    public async Task Joining_is_idempotent_and_counts_the_member_once()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var first = await bob.Http.PostAsync($"/api/rooms/{roomId}/join", null);
        var second = await bob.Http.PostAsync($"/api/rooms/{roomId}/join", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("joined", body.GetProperty("status").GetString());
        Assert.Equal(roomId, body.GetProperty("roomId").GetString());
        var details = await bob.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{roomId}");
        Assert.Equal(2, details.GetProperty("memberCount").GetInt32());
    }

    [Fact]
    public async Task Leaving_removes_the_member_and_their_access()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);

        var leave = await bob.Http.PostAsync($"/api/rooms/{roomId}/leave", null);

        Assert.Equal("left", (await leave.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await AssertProblem(await bob.Http.GetAsync($"/api/rooms/{roomId}/messages"), HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "/join")]
    [InlineData("POST", "/leave")]
    [InlineData("GET", "/members")]
    [InlineData("GET", "/messages")]
    [InlineData("POST", "/messages")]
    public async Task An_unknown_room_answers_404(string method, string suffix)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var request = new HttpRequestMessage(new HttpMethod(method), $"/api/rooms/no-such-room{suffix}")
        {
            Content = method == "POST" ? JsonContent.Create(new { text = "hello" }) : null,
        };

        await AssertProblem(await alice.Http.SendAsync(request), HttpStatusCode.NotFound, "does not exist");
    }

    [Theory]
    [InlineData("GET", "/members")]
    [InlineData("GET", "/messages")]
    [InlineData("POST", "/messages")]
    public async Task A_non_member_gets_403_on_members_and_messages(string method, string suffix)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var mallory = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var request = new HttpRequestMessage(new HttpMethod(method), $"/api/rooms/{roomId}{suffix}")
        {
            Content = method == "POST" ? JsonContent.Create(new { text = "let me in" }) : null,
        };

        await AssertProblem(await mallory.Http.SendAsync(request), HttpStatusCode.Forbidden);
        Assert.Empty(await alice.HistoryAsync(roomId));
    }

    [Fact]
    public async Task Members_lists_usernames_with_online_flags()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var offline = Assert.Single((await alice.Http.GetFromJsonAsync<JsonElement[]>($"/api/rooms/{roomId}/members"))!);

        await alice.ConnectAsync();

        Assert.Equal(alice.Username, offline.GetProperty("username").GetString());
        Assert.False(offline.GetProperty("online").GetBoolean());
        await Eventually.TrueAsync(
            () => alice.Http.GetFromJsonAsync<JsonElement[]>($"/api/rooms/{roomId}/members").Result!.Single().GetProperty("online").GetBoolean(),
            ChatClient.WaitLimit);
    }

    [Fact]
    public async Task Posting_a_message_answers_201_with_the_stored_message()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var message = await alice.PostAsync(roomId, "hello <b>world</b>", "client-1");

        Assert.Equal(1, message.GetProperty("id").GetInt64());
        Assert.Equal(roomId, message.GetProperty("roomId").GetString());
        Assert.Equal(alice.Username, message.GetProperty("sender").GetString());
        Assert.Equal("hello <b>world</b>", message.GetProperty("text").GetString());
        Assert.Equal("client-1", message.GetProperty("clientMessageId").GetString());
        Assert.Equal(JsonSerializer.Serialize(message), JsonSerializer.Serialize((await alice.HistoryAsync(roomId)).Single()));
    }

    [Fact]
    public async Task Repeating_a_client_message_id_returns_the_stored_message_with_200_and_stores_no_duplicate()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var first = await alice.PostAsync(roomId, "once", "same-id");

        var again = await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = "once", clientMessageId = "same-id" });

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(first.GetProperty("id").GetInt64(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        Assert.Single(await alice.HistoryAsync(roomId));
    }

    [Fact]
    public async Task Concurrent_repeats_of_one_client_message_id_store_one_message()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = "retry storm", clientMessageId = "storm" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Single(await alice.HistoryAsync(roomId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task An_empty_message_answers_400_and_stores_nothing(string? text)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var problem = await AssertProblem(await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text }), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("text", out _));
        Assert.Empty(await alice.HistoryAsync(roomId));
    }

    [Fact]
    public async Task A_message_of_4000_characters_is_stored_and_one_of_4001_answers_400()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        await alice.PostAsync(roomId, new string('x', 4000));
        var tooLong = await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = new string('x', 4001) });

        await AssertProblem(tooLong, HttpStatusCode.BadRequest, "4000");
        Assert.Single(await alice.HistoryAsync(roomId));
    }

    [Fact]
    public async Task A_message_with_a_wrongly_typed_field_answers_400()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var response = await alice.Http.PostAsync($"/api/rooms/{roomId}/messages", new StringContent("""{"text":["not","text"]}""", System.Text.Encoding.UTF8, "application/json"));

        await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Empty(await alice.HistoryAsync(roomId));
    }

    [Fact]
    public async Task History_pages_ascend_by_id_with_after_before_and_limit()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        for (var i = 1; i <= 30; i++)
        {
            await alice.PostAsync(roomId, $"m{i}");
        }

        static long[] Ids(JsonElement[] page) => page.Select(m => m.GetProperty("id").GetInt64()).ToArray();

        Assert.Equal(Enumerable.Range(21, 10).Select(i => (long)i), Ids(await alice.HistoryAsync(roomId, "?limit=10")));
        Assert.Equal(Enumerable.Range(26, 5).Select(i => (long)i), Ids(await alice.HistoryAsync(roomId, "?after=25")));
        Assert.Equal(Enumerable.Range(5, 5).Select(i => (long)i), Ids(await alice.HistoryAsync(roomId, "?before=10&limit=5")));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), Ids(await alice.HistoryAsync(roomId)));
        Assert.Empty(await alice.HistoryAsync(roomId, "?after=30"));
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=201")]
    [InlineData("?after=1&before=5")]
    [InlineData("?after=-1")]
    [InlineData("?limit=lots")]
    [InlineData("?before=abc")]
    public async Task Bad_history_queries_answer_400(string query)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        await AssertProblem(await alice.Http.GetAsync($"/api/rooms/{roomId}/messages{query}"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Concurrent_posts_to_one_room_get_consecutive_ids_without_gaps()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);

        var posts = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? alice : bob).PostAsync(roomId, $"n{i}")));

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), posts.Select(p => p.GetProperty("id").GetInt64()).Order());
        Assert.Equal(100, (await alice.HistoryAsync(roomId, "?limit=200")).Length);
    }
}
