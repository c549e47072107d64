using GrainChat.Chat;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Grains;

/// <summary>The room grain's rules, called on the grain itself.</summary>
public sealed class RoomGrainTests : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await ChatSilo.StartAsync();
        await _silo.RegisterAsync("alice", "bob", "eve");
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Creating_a_room_makes_the_creator_its_only_member_and_lists_it()
    {
        var room = await Room("r1").CreateAsync("  Lounge ", "alice");

        Assert.Equal("Lounge", room.RoomName);
        Assert.Equal(["alice"], room.Members);
        Assert.Contains("r1", (await _silo.GrainFactory.GetUserGrain("alice").GetProfileAsync())!.Rooms);
        Assert.Contains(await Directory().ListAsync(null, 1000), r => r is { RoomId: "r1", RoomName: "Lounge", MemberCount: 1 });
    }

    [Fact]
    public async Task A_second_room_with_the_same_name_in_any_letter_case_is_a_conflict()
    {
        await Room("first").CreateAsync("Games", "alice");

        var conflict = await Assert.ThrowsAsync<ChatException>(() => Room("second").CreateAsync("GAMES", "bob"));

        Assert.Equal(ChatErrorCode.Conflict, conflict.Code);
        await Assert.ThrowsAsync<ChatException>(() => Room("second").GetInfoAsync());
    }

    [Fact]
    public async Task Joining_twice_adds_the_member_once_and_announces_it_once()
    {
        await Room("join").CreateAsync("Join", "alice");
        var events = await _silo.WatchRoomAsync("join");

        await Room("join").JoinAsync("bob");
        var again = await Room("join").JoinAsync("BOB");

        Assert.Equal(["alice", "bob"], again.Members);
        await Eventually.TrueAsync(() => !events.IsEmpty, ChatSilo.WaitLimit);
        await Task.Delay(100);
        Assert.Single(events.OfType<UserJoined>(), e => e.Username == "bob");
        Assert.Equal(2, (await Directory().ListAsync(null, 1000)).Single(r => r.RoomId == "join").MemberCount);
    }

    [Fact]
    public async Task A_non_member_can_neither_post_nor_read_nor_list_members()
    {
        await Room("closed").CreateAsync("Closed", "alice");

        var post = await Assert.ThrowsAsync<ChatException>(() => Room("closed").PostAsync("eve", "hi", null));
        var read = await Assert.ThrowsAsync<ChatException>(() => Room("closed").GetMessagesAsync("eve", HistoryQuery.Latest()));
        var members = await Assert.ThrowsAsync<ChatException>(() => Room("closed").GetMembersAsync("eve"));

        Assert.All([post, read, members], e => Assert.Equal(ChatErrorCode.Forbidden, e.Code));
        Assert.Empty((await Room("closed").GetMessagesAsync("alice", HistoryQuery.Latest())).Messages);
    }

    [Fact]
    public async Task A_member_who_left_can_no_longer_post()
    {
        await Room("leave").CreateAsync("Leave", "alice");
        await Room("leave").JoinAsync("bob");

        await Room("leave").LeaveAsync("bob");

        Assert.Equal(ChatErrorCode.Forbidden, (await Assert.ThrowsAsync<ChatException>(() => Room("leave").PostAsync("bob", "still here?", null))).Code);
        Assert.DoesNotContain("leave", (await _silo.GrainFactory.GetUserGrain("bob").GetProfileAsync())!.Rooms);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_message_without_text_is_refused_and_nothing_is_stored(string text)
    {
        await Room("empty").CreateAsync("Empty", "alice");

        var refused = await Assert.ThrowsAsync<ChatException>(() => Room("empty").PostAsync("alice", text, null));

        Assert.Equal(ChatErrorCode.Invalid, refused.Code);
        Assert.Equal("text", refused.Field);
        Assert.Empty((await Room("empty").GetMessagesAsync("alice", HistoryQuery.Latest())).Messages);
    }

    // Code points, not strings: a lone surrogate in test data would be repaired on its way to the test.
    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x001B)]
    [InlineData(0x007F)]
    [InlineData(0xD800)]
    [InlineData(0xDFFF)]
    public async Task A_message_that_is_not_valid_text_is_refused(int codePoint)
    {
        await Room("bytes").CreateAsync("Bytes", "alice");
        var text = $"before {(char)codePoint} after";

        var refused = await Assert.ThrowsAsync<ChatException>(() => Room("bytes").PostAsync("alice", text, null));

        Assert.Equal((ChatErrorCode.Invalid, "text"), (refused.Code, refused.Field));
    }

    [Fact]
    public async Task A_repeated_client_message_id_returns_the_stored_message_and_takes_no_id()
    {
        await Room("repeat").CreateAsync("Repeat", "alice");

        var first = await Room("repeat").PostAsync("alice", "once", "c-1");
        var repeat = await Room("repeat").PostAsync("alice", "once again?", "c-1");
        var next = await Room("repeat").PostAsync("alice", "next", "c-2");

        Assert.True(first.Created);
        Assert.False(repeat.Created);
        Assert.Equal(first.Message, repeat.Message);
        Assert.Equal(2, next.Message.Id);
    }

    [Fact]
    public async Task Concurrent_posts_get_ids_one_to_n_and_are_published_in_id_order()
    {
        await Room("busy").CreateAsync("Busy", "alice");
        await Room("busy").JoinAsync("bob");
        var events = await _silo.WatchRoomAsync("busy");

        var posts = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => Room("busy").PostAsync(i % 2 == 0 ? "alice" : "bob", $"m{i}", $"c{i}"))));

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), posts.Select(p => p.Message.Id).Order());
        await Eventually.TrueAsync(() => events.OfType<MessageReceived>().Count() == 200, ChatSilo.WaitLimit);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), events.OfType<MessageReceived>().Select(e => e.Message.Id));
    }

    [Fact]
    public async Task Posts_are_stored_in_the_order_they_reach_the_room_even_when_a_reply_must_look_up_its_original()
    {
        await Room("order").CreateAsync("Order", "alice");
        var original = await Room("order").PostAsync("alice", "original", null);

        var posts = Enumerable.Range(0, 60)
            .Select(i => i % 6 == 0 ? Room("order").PostAsync("alice", $"reply {i}", null, original.Message.Id) : Room("order").PostAsync("alice", $"post {i}", null))
            .ToArray();
        var stored = await Task.WhenAll(posts);

        Assert.Equal(Enumerable.Range(2, 60).Select(id => (long)id), stored.Select(s => s.Message.Id));
    }

    [Fact]
    public async Task A_refused_reply_does_not_hold_up_the_posts_behind_it()
    {
        await Room("refused").CreateAsync("Refused", "alice");

        var reply = Room("refused").PostAsync("alice", "to nothing", null, replyTo: 999);
        var after = Room("refused").PostAsync("alice", "next", null);

        var refused = await Assert.ThrowsAsync<ChatException>(() => reply);
        Assert.Equal(ChatErrorCode.Invalid, refused.Code);
        Assert.Equal(1, (await after).Message.Id);
    }

    [Fact]
    public async Task History_from_memory_matches_the_message_log_page_for_page()
    {
        await Room("pages").CreateAsync("Pages", "alice");
        for (var i = 0; i < 30; i++)
        {
            await Room("pages").PostAsync("alice", $"m{i}", null);
        }

        var history = _silo.Services.GetRequiredService<IMessageHistory>();
        foreach (var query in new[] { HistoryQuery.Latest(10), new HistoryQuery(5, null, 10), new HistoryQuery(null, 12, 4), new HistoryQuery(0, null, 200) })
        {
            Assert.Equal(await history.ReadAsync("pages", query), (await Room("pages").GetMessagesAsync("alice", query)).Messages);
        }
    }

    [Fact]
    public async Task A_direct_conversation_has_exactly_its_two_users_and_cannot_be_joined_or_left()
    {
        var roomId = ChatKeys.DirectRoomId("alice", "bob");
        var room = await Room(roomId).EnsureDirectAsync("alice", "bob");

        Assert.True(room.IsDirect);
        Assert.Equal(ChatErrorCode.Forbidden, (await Assert.ThrowsAsync<ChatException>(() => Room(roomId).JoinAsync("eve"))).Code);
        Assert.Equal(ChatErrorCode.Forbidden, (await Assert.ThrowsAsync<ChatException>(() => Room(roomId).LeaveAsync("bob"))).Code);
        Assert.Equal(["alice", "bob"], await Room(roomId).GetMembersAsync("bob"));
        Assert.Contains(await _silo.GrainFactory.GetUserGrain("bob").GetDirectConversationsAsync(), c => c.RoomId == roomId && c.With == "alice");
    }

    [Fact]
    public async Task A_direct_message_is_published_on_both_users_streams_and_not_on_a_room_stream()
    {
        var roomId = ChatKeys.DirectRoomId("alice", "bob");
        await Room(roomId).EnsureDirectAsync("alice", "bob");
        var (alice, bob, room) = (await _silo.WatchUserAsync("alice"), await _silo.WatchUserAsync("bob"), await _silo.WatchRoomAsync(roomId));

        var sent = await Room(roomId).PostAsync("alice", "psst", null);

        await Eventually.TrueAsync(() => alice.OfType<DirectMessageReceived>().Any() && bob.OfType<DirectMessageReceived>().Any(), ChatSilo.WaitLimit);
        Assert.Equal(sent.Message, bob.OfType<DirectMessageReceived>().Single().Message);
        Assert.Empty(room);
    }

    private IRoomGrain Room(string roomId) => _silo.GrainFactory.GetRoomGrain(roomId);

    private IRoomDirectory Directory() => _silo.Services.GetRequiredService<IRoomDirectory>();
}
