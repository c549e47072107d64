using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Gateway;

/// <summary>Edit, delete, replies, reactions, read markers and mentions over REST and the hub, on SQLite.</summary>
public sealed class MessageChangeTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task The_sender_edits_a_message_and_members_see_it_edited_live_and_in_history() =>
        await MessageChangeScenarios.SenderEditsAndMembersSeeIt(gateway);

    [Fact]
    public async Task Editing_fails_for_another_sender_an_unknown_id_a_deleted_message_bad_text_and_a_non_member_and_changes_nothing() =>
        await MessageChangeScenarios.EditRefusals(gateway);

    [Fact]
    public async Task Deleting_leaves_a_tombstone_with_its_id_and_repeating_it_changes_nothing() =>
        await MessageChangeScenarios.DeleteLeavesTombstone(gateway);

    [Fact]
    public async Task Only_the_sender_or_an_admin_may_delete_a_message()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await using var admin = await ChatClient.AdminAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        var id = (await alice.PostAsync(roomId, "mine")).GetProperty("id").GetInt64();

        await AccountApiTests.AssertProblem(await bob.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{id}"), HttpStatusCode.Forbidden);
        Assert.False((await alice.HistoryAsync(roomId)).Single().GetProperty("deleted").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{id}")).StatusCode);
        Assert.True((await alice.HistoryAsync(roomId)).Single().GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task A_reply_names_an_earlier_message_of_the_same_room_and_any_other_is_refused() =>
        await MessageChangeScenarios.Replies(gateway);

    [Fact]
    public async Task Reactions_are_one_per_emoji_per_user_counted_with_who_and_sent_live() =>
        await MessageChangeScenarios.Reactions(gateway);

    [Fact]
    public async Task A_reaction_that_is_not_an_emoji_or_a_twenty_first_emoji_is_refused()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var id = (await alice.PostAsync(roomId, "react to me")).GetProperty("id").GetInt64();
        string[] emoji = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲", "🙂", "🤗"];
        foreach (var e in emoji)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.Http.PutAsync($"/api/rooms/{roomId}/messages/{id}/reactions/{Uri.EscapeDataString(e)}", null)).StatusCode);
        }

        await AccountApiTests.AssertProblem(await alice.Http.PutAsync($"/api/rooms/{roomId}/messages/{id}/reactions/{Uri.EscapeDataString("🤩")}", null), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await alice.Http.PutAsync($"/api/rooms/{roomId}/messages/{id}/reactions/abc", null), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await alice.Http.PutAsync($"/api/rooms/{roomId}/messages/{id}/reactions/1", null), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await alice.Http.PutAsync($"/api/rooms/{roomId}/messages/999/reactions/{Uri.EscapeDataString("👍")}", null), HttpStatusCode.NotFound);
        Assert.Equal(20, (await alice.HistoryAsync(roomId)).Single().GetProperty("reactions").GetArrayLength());
    }

    [Fact]
    public async Task Two_users_toggling_one_reaction_in_parallel_end_with_the_right_count() =>
        await MessageChangeScenarios.ParallelToggles(gateway);

    [Fact]
    public async Task An_edit_racing_a_delete_ends_deleted_with_one_event_for_each_change_that_happened() =>
        await MessageChangeScenarios.EditRacingDelete(gateway);

    [Fact]
    public async Task Typing_reaches_the_other_members_but_not_the_typist_and_is_throttled()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        var aliceHub = await alice.ConnectAsync();
        await bob.ConnectAsync();

        var answer = await aliceHub.InvokeAsync<JsonElement>("Typing", roomId);
        await aliceHub.InvokeAsync<JsonElement>("Typing", roomId);

        Assert.Equal("ok", answer.GetProperty("status").GetString());
        await bob.WaitForEventAsync("UserTyping", e => e.GetProperty("username").GetString() == alice.Username);
        await alice.PostAsync(roomId, "a barrier: events after it come after the typing notices");
        await bob.WaitForEventAsync("MessageReceived");
        Assert.Single(bob.Events, e => e.Name == "UserTyping");
        Assert.DoesNotContain(alice.Events, e => e.Name == "UserTyping");
        await using var stranger = await ChatClient.RegisterAsync(gateway);
        var strangerHub = await stranger.ConnectAsync();
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => strangerHub.InvokeAsync<JsonElement>("Typing", roomId));
    }

    [Fact]
    public async Task Marking_read_at_six_of_ten_leaves_four_unread_and_tells_the_users_other_connections() =>
        await MessageChangeScenarios.ReadMarkers(gateway);

    [Fact]
    public async Task A_mentioned_member_is_told_on_every_connection_and_counts_it_in_the_room_list() =>
        await MessageChangeScenarios.Mentions(gateway);

    [Fact]
    public async Task A_client_catches_up_on_edits_deletions_and_reactions_with_the_changes_call() =>
        await MessageChangeScenarios.ChangesCatchUp(gateway);
}

/// <summary>The same behaviours on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMessageChangeTests(PostgresServer server)
{
    [PostgresFact]
    public async Task Edits_deletions_replies_reactions_read_markers_mentions_and_catch_up_on_postgres()
    {
        await using var gateway = new PostgresGatewayFactory(await server.CreateDatabaseAsync());
        await MessageChangeScenarios.SenderEditsAndMembersSeeIt(gateway);
        await MessageChangeScenarios.EditRefusals(gateway);
        await MessageChangeScenarios.DeleteLeavesTombstone(gateway);
        await MessageChangeScenarios.Replies(gateway);
        await MessageChangeScenarios.Reactions(gateway);
        await MessageChangeScenarios.ParallelToggles(gateway);
        await MessageChangeScenarios.EditRacingDelete(gateway);
        await MessageChangeScenarios.ReadMarkers(gateway);
        await MessageChangeScenarios.Mentions(gateway);
        await MessageChangeScenarios.ChangesCatchUp(gateway);
    }
}

internal static class MessageChangeScenarios
{
    public static async Task SenderEditsAndMembersSeeIt(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await bob.ConnectAsync();
        var id = (await alice.PostAsync(roomId, "helo")).GetProperty("id").GetInt64();

        var response = await alice.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{id}", new { text = "hello" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var edited = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("hello", edited.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.String, edited.GetProperty("editedAt").ValueKind);
        await bob.WaitForEventAsync("MessageEdited", m => m.GetProperty("id").GetInt64() == id && m.GetProperty("text").GetString() == "hello");
        var stored = (await bob.HistoryAsync(roomId)).Single();
        Assert.Equal("hello", stored.GetProperty("text").GetString());
        Assert.Equal(id, stored.GetProperty("id").GetInt64());
    }

    public static async Task EditRefusals(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await using var stranger = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        var id = (await alice.PostAsync(roomId, "original")).GetProperty("id").GetInt64();
        var gone = (await alice.PostAsync(roomId, "to be deleted")).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{gone}")).StatusCode);

        await AccountApiTests.AssertProblem(await bob.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{id}", new { text = "hijacked" }), HttpStatusCode.Forbidden);
        await AccountApiTests.AssertProblem(await alice.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/999", new { text = "nothing" }), HttpStatusCode.NotFound);
        await AccountApiTests.AssertProblem(await alice.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{gone}", new { text = "revived" }), HttpStatusCode.Conflict);
        await AccountApiTests.AssertProblem(await alice.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{id}", new { text = new string('x', 4001) }), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await alice.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{id}", new { text = " " }), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await stranger.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{id}", new { text = "outsider" }), HttpStatusCode.Forbidden);

        var history = await alice.HistoryAsync(roomId);
        Assert.Equal("original", history[0].GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, history[0].GetProperty("editedAt").ValueKind);
        Assert.Equal("", history[1].GetProperty("text").GetString());
    }

    public static async Task DeleteLeavesTombstone(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await bob.ConnectAsync();
        await alice.PostAsync(roomId, "one");
        var id = (await alice.PostAsync(roomId, "two")).GetProperty("id").GetInt64();
        await alice.PostAsync(roomId, "three");

        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{id}")).StatusCode);
        await AccountApiTests.AssertProblem(await alice.Http.DeleteAsync($"/api/rooms/{roomId}/messages/999"), HttpStatusCode.NotFound);

        await bob.WaitForEventAsync("MessageDeleted", e => e.GetProperty("id").GetInt64() == id);
        var history = await bob.HistoryAsync(roomId);
        Assert.Equal([1L, 2L, 3L], history.Select(m => m.GetProperty("id").GetInt64()));
        Assert.True(history[1].GetProperty("deleted").GetBoolean());
        Assert.Equal("", history[1].GetProperty("text").GetString());
        await alice.PostAsync(roomId, "barrier");
        await bob.WaitForEventAsync("MessageReceived", m => m.GetProperty("text").GetString() == "barrier");
        Assert.Single(bob.Events, e => e.Name == "MessageDeleted");
    }

    public static async Task Replies(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var otherRoom = await alice.CreateRoomAsync();
        var question = (await alice.PostAsync(roomId, "question?")).GetProperty("id").GetInt64();

        var reply = await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = "answer", replyTo = question });
        var stray = await alice.Http.PostAsJsonAsync($"/api/rooms/{otherRoom}/messages", new { text = "answer elsewhere", replyTo = question });
        var future = await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = "answer to the future", replyTo = 99 });

        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        Assert.Equal(question, (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replyTo").GetInt64());
        await AccountApiTests.AssertProblem(stray, HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(future, HttpStatusCode.BadRequest);
        Assert.Empty(await alice.HistoryAsync(otherRoom));
        Assert.Equal(question, (await alice.HistoryAsync(roomId))[1].GetProperty("replyTo").GetInt64());
    }

    public static async Task Reactions(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await using var stranger = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await alice.ConnectAsync();
        var id = (await alice.PostAsync(roomId, "nice")).GetProperty("id").GetInt64();
        var thumbs = Uri.EscapeDataString("👍");

        await alice.Http.PutAsync($"/api/rooms/{roomId}/messages/{id}/reactions/{thumbs}", null);
        await bob.Http.PutAsync($"/api/rooms/{roomId}/messages/{id}/reactions/{thumbs}", null);
        var repeat = await bob.Http.PutAsync($"/api/rooms/{roomId}/messages/{id}/reactions/{thumbs}", null);

        var reactions = (await repeat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reactions");
        var entry = Assert.Single(reactions.EnumerateArray());
        Assert.Equal("👍", entry.GetProperty("emoji").GetString());
        Assert.Equal(2, entry.GetProperty("count").GetInt32());
        Assert.Equal([alice.Username, bob.Username], entry.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        await alice.WaitForEventAsync("ReactionsChanged", e => e.GetProperty("reactions").EnumerateArray().Any(r => r.GetProperty("count").GetInt32() == 2));
        await AccountApiTests.AssertProblem(await stranger.Http.PutAsync($"/api/rooms/{roomId}/messages/{id}/reactions/{thumbs}", null), HttpStatusCode.Forbidden);

        var removed = await bob.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{id}/reactions/{thumbs}");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(1, (await removed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reactions")[0].GetProperty("count").GetInt32());
        Assert.Equal(1, (await alice.HistoryAsync(roomId)).Single().GetProperty("reactions")[0].GetProperty("count").GetInt32());
    }

    public static async Task ParallelToggles(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        var id = (await alice.PostAsync(roomId, "toggle me")).GetProperty("id").GetInt64();
        var route = $"/api/rooms/{roomId}/messages/{id}/reactions/{Uri.EscapeDataString("🔥")}";

        // 101 toggles each, starting with "on": both end with their reaction on.
        await Task.WhenAll(new[] { alice, bob }.Select(user => Task.Run(async () =>
        {
            for (var i = 0; i < 101; i++)
            {
                var response = i % 2 == 0 ? await user.Http.PutAsync(route, null) : await user.Http.DeleteAsync(route);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        })));

        var fire = Assert.Single((await alice.HistoryAsync(roomId)).Single().GetProperty("reactions").EnumerateArray());
        Assert.Equal(2, fire.GetProperty("count").GetInt32());
    }

    public static async Task EditRacingDelete(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await bob.ConnectAsync();
        var id = (await alice.PostAsync(roomId, "contested")).GetProperty("id").GetInt64();

        var outcomes = await Task.WhenAll(
            alice.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{id}", new { text = "edited" }),
            alice.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{id}"));

        Assert.Contains(outcomes[0].StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict });
        Assert.Equal(HttpStatusCode.NoContent, outcomes[1].StatusCode);
        await alice.PostAsync(roomId, "barrier");
        await bob.WaitForEventAsync("MessageReceived", m => m.GetProperty("text").GetString() == "barrier");
        Assert.True((await bob.HistoryAsync(roomId))[0].GetProperty("deleted").GetBoolean());
        Assert.Single(bob.Events, e => e.Name == "MessageDeleted");
        Assert.Equal(outcomes[0].StatusCode == HttpStatusCode.OK ? 1 : 0, bob.Events.Count(e => e.Name == "MessageEdited"));
    }

    public static async Task ReadMarkers(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        for (var i = 1; i <= 10; i++)
        {
            await alice.PostAsync(roomId, $"message {i}");
        }

        var secondTab = await bob.ConnectAsync();
        var firstTab = await bob.ConnectAsync();

        var marked = await firstTab.InvokeAsync<JsonElement>("MarkRead", roomId, 6L);
        var back = await bob.Http.PostAsJsonAsync($"/api/rooms/{roomId}/read", new { messageId = 3 });

        Assert.Equal(6, marked.GetProperty("lastReadId").GetInt64());
        Assert.Equal(6, (await back.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lastReadId").GetInt64());
        // Each tab gets its own copy, in no set order: wait for the other tab's.
        await Eventually.TrueAsync(
            () => bob.Events.Any(e => e.Name == "ReadMarkerChanged" && e.ConnectionId == secondTab.ConnectionId
                && e.Payload.GetProperty("roomId").GetString() == roomId && e.Payload.GetProperty("lastReadId").GetInt64() == 6),
            ChatClient.WaitLimit,
            "the user's other tab was told of the read marker");
        var room = (await bob.Http.GetFromJsonAsync<JsonElement>("/api/rooms?joined=true")).EnumerateArray().Single(r => r.GetProperty("roomId").GetString() == roomId);
        Assert.Equal(6, room.GetProperty("lastReadId").GetInt64());
        Assert.Equal(4, room.GetProperty("unreadCount").GetInt64());
        await AccountApiTests.AssertProblem(await bob.Http.PostAsJsonAsync($"/api/rooms/{roomId}/read", new { messageId = 11 }), HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(await bob.Http.PostAsJsonAsync($"/api/rooms/{roomId}/read", new { messageId = 0 }), HttpStatusCode.BadRequest);
        await using var stranger = await ChatClient.RegisterAsync(gateway);
        await AccountApiTests.AssertProblem(await stranger.Http.PostAsJsonAsync($"/api/rooms/{roomId}/read", new { messageId = 1 }), HttpStatusCode.Forbidden);
        await AccountApiTests.AssertProblem(await bob.Http.PostAsJsonAsync("/api/rooms/no-such-room/read", new { messageId = 1 }), HttpStatusCode.NotFound);
    }

    public static async Task Mentions(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await bob.ConnectAsync();
        await bob.ConnectAsync();

        var sent = await alice.PostAsync(roomId, $"@{bob.Username.ToUpperInvariant()} have a look, and @nobody_here too");

        Assert.Equal([bob.Username], sent.GetProperty("mentions").EnumerateArray().Select(m => m.GetString()));
        await Eventually.TrueAsync(() => bob.Events.Count(e => e.Name == "Mentioned") == 2, ChatClient.WaitLimit, "both of bob's connections are told");
        var room = (await bob.Http.GetFromJsonAsync<JsonElement>("/api/rooms?joined=true")).EnumerateArray().Single(r => r.GetProperty("roomId").GetString() == roomId);
        Assert.Equal(1, room.GetProperty("mentionCount").GetInt64());
        Assert.Equal(1, room.GetProperty("unreadCount").GetInt64());
    }

    public static async Task ChangesCatchUp(GatewayFactory gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var first = (await alice.PostAsync(roomId, "first")).GetProperty("id").GetInt64();
        var second = (await alice.PostAsync(roomId, "second")).GetProperty("id").GetInt64();
        var third = (await alice.PostAsync(roomId, "third")).GetProperty("id").GetInt64();
        var none = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{roomId}/changes?after=0");
        Assert.Empty(none.GetProperty("messages").EnumerateArray());

        await alice.Http.PatchAsJsonAsync($"/api/rooms/{roomId}/messages/{second}", new { text = "second, edited" });
        await alice.Http.DeleteAsync($"/api/rooms/{roomId}/messages/{third}");
        await alice.Http.PutAsync($"/api/rooms/{roomId}/messages/{first}/reactions/{Uri.EscapeDataString("✅")}", null);

        var changes = (await alice.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{roomId}/changes?after=0")).GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal([second, third, first], changes.Select(m => m.GetProperty("id").GetInt64()));
        Assert.Equal("second, edited", changes[0].GetProperty("text").GetString());
        Assert.True(changes[1].GetProperty("deleted").GetBoolean());
        Assert.Equal(1, changes[2].GetProperty("reactions")[0].GetProperty("count").GetInt32());
        var after = changes[1].GetProperty("revision").GetInt64();
        var later = (await alice.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{roomId}/changes?after={after}")).GetProperty("messages");
        Assert.Equal([first], later.EnumerateArray().Select(m => m.GetProperty("id").GetInt64()));
    }
}
