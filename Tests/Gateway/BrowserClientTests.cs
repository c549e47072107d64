using GrainChat.Tests.Infrastructure;
using Microsoft.Playwright;

namespace GrainChat.Tests.Gateway;

public sealed class BrowserClientTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [BrowserFact]
    public async Task Two_people_in_two_browsers_register_join_one_room_and_chat()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        var alice = await OpenAsync(browser);
        var bob = await OpenAsync(browser);
        var (aliceName, bobName) = (ChatClient.UniqueName("alice"), ChatClient.UniqueName("bob"));
        var roomName = ChatClient.UniqueName("Browsers ");

        await RegisterAsync(alice, aliceName);
        await RegisterAsync(bob, bobName);
        await alice.FillAsync("#new-room-name", roomName);
        await alice.ClickAsync("#create-room-button");
        await Assertions.Expect(alice.Locator("#room-title")).ToHaveTextAsync(roomName);

        await bob.ReloadAsync();
        await bob.Locator("#all-rooms li", new() { HasText = roomName }).ClickAsync();
        await Assertions.Expect(bob.Locator("#room-title")).ToHaveTextAsync(roomName);

        await SendAsync(alice, "Hello <b>Bob</b>");
        await Assertions.Expect(bob.Locator("#messages li .text").Last).ToHaveTextAsync("Hello <b>Bob</b>");
        await SendAsync(bob, "Hi Alice!");
        await Assertions.Expect(alice.Locator("#messages li .text").Last).ToHaveTextAsync("Hi Alice!");

        // Text stays text: the markup in the first message was not turned into an element.
        Assert.Equal(0, await bob.Locator("#messages b").CountAsync());
        Assert.Equal(["Hello <b>Bob</b>", "Hi Alice!"], await bob.Locator("#messages li .text").AllTextContentsAsync());

        await Browser.ScreenshotAsync(alice, "two-browsers-chat.png");
    }

    [BrowserFact]
    public async Task Two_people_host_and_join_a_lobby_session_and_chat_with_each_other_and_the_echo_robot()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        var host = await OpenAsync(browser);
        var guest = await OpenAsync(browser);
        var session = ChatClient.UniqueName("Quiz ");
        await RegisterAsync(host, ChatClient.UniqueName("host"));
        await RegisterAsync(guest, ChatClient.UniqueName("guest"));

        await host.FillAsync("#host-room", session);
        await host.SelectOptionAsync("#host-robot", "echo");
        await host.ClickAsync("#host-button");
        await Assertions.Expect(host.Locator("#room-title")).ToHaveTextAsync($"Session: {session}");
        await guest.ReloadAsync();
        await guest.Locator("#open-sessions li", new() { HasText = session }).ClickAsync();
        await Assertions.Expect(guest.Locator("#room-title")).ToHaveTextAsync($"Session: {session}");
        await Assertions.Expect(host.Locator("#lobby-session-name")).ToContainTextAsync("2/4");

        await SendAsync(guest, "ready?");
        await Assertions.Expect(host.Locator("#messages li .text", new() { HasText = "echo: ready?" })).ToBeVisibleAsync();
        await SendAsync(host, "go!");
        await Assertions.Expect(guest.Locator("#messages li .text", new() { HasText = "echo: go!" })).ToBeVisibleAsync();
        Assert.Equal(["ready?", "echo: ready?", "go!", "echo: go!"], await guest.Locator("#messages li .text").AllTextContentsAsync());

        await Browser.ScreenshotAsync(guest, "lobby-session-chat.png");
    }

    [BrowserFact]
    public async Task Sending_again_after_a_failed_send_reuses_the_client_message_id_so_nothing_is_stored_twice()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        var page = await OpenAsync(browser);
        await RegisterAsync(page, ChatClient.UniqueName("retry"));
        var roomName = ChatClient.UniqueName("Retry ");
        await page.FillAsync("#new-room-name", roomName);
        await page.ClickAsync("#create-room-button");
        await Assertions.Expect(page.Locator("#room-title")).ToHaveTextAsync(roomName);

        // The first send reaches the server and is stored, but its answer is lost (as when a timeout strikes).
        await page.EvaluateAsync("""
            () => {
              const invoke = state.connection.invoke.bind(state.connection);
              window.sentIds = [];
              let first = true;
              state.connection.invoke = async (method, ...args) => {
                if (method === "SendMessage") window.sentIds.push(args[2]);
                const answer = await invoke(method, ...args);
                if (method === "SendMessage" && first) { first = false; throw new Error("timed out"); }
                return answer;
              };
            }
            """);
        await SendAsync(page, "only once");
        await Assertions.Expect(page.Locator("#app-error")).ToContainTextAsync("timed out");
        await page.ClickAsync("#send-button");
        await Assertions.Expect(page.Locator("#message-text")).ToHaveValueAsync("");

        var ids = await page.EvaluateAsync<string[]>("() => window.sentIds");
        Assert.Equal(2, ids.Length);
        Assert.Equal(ids[0], ids[1]);
        var stored = await page.EvaluateAsync<int>(
            "() => fetch(`/api/rooms/${state.currentRoom.roomId}/messages`, { headers: { Authorization: `Bearer ${state.token}` } }).then(r => r.json()).then(b => b.messages.length)");
        Assert.Equal(1, stored);
    }

    [BrowserFact]
    public async Task Two_people_reply_react_edit_delete_see_each_other_typing_and_unread_badges_count_up_and_clear()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        var alice = await OpenAsync(browser);
        var bob = await OpenAsync(browser);
        var (aliceName, bobName) = (ChatClient.UniqueName("alice"), ChatClient.UniqueName("bob"));
        var roomName = ChatClient.UniqueName("Features ");
        await RegisterAsync(alice, aliceName);
        await RegisterAsync(bob, bobName);
        await alice.FillAsync("#new-room-name", roomName);
        await alice.ClickAsync("#create-room-button");
        await Assertions.Expect(alice.Locator("#room-title")).ToHaveTextAsync(roomName);
        await bob.ReloadAsync();
        await bob.Locator("#all-rooms li", new() { HasText = roomName }).ClickAsync();
        await Assertions.Expect(bob.Locator("#room-title")).ToHaveTextAsync(roomName);
        await SendAsync(alice, "first");
        var firstAtBob = bob.Locator("#messages li", new() { HasText = "first" });
        await Assertions.Expect(firstAtBob).ToBeVisibleAsync();

        // Typing: shown to the other member, gone 5 s after the last notice.
        await bob.Locator("#message-text").PressSequentiallyAsync("ans");
        await Assertions.Expect(alice.Locator("#typing")).ToHaveTextAsync($"{bobName} is typing…");
        await Assertions.Expect(alice.Locator("#typing")).ToHaveTextAsync("", new() { Timeout = 10_000 });

        // Reply with a quote of the original.
        await bob.FillAsync("#message-text", "");
        await firstAtBob.HoverAsync();
        await firstAtBob.Locator("button.action-reply").ClickAsync();
        await SendAsync(bob, "answer");
        var answerAtAlice = alice.Locator("#messages li", new() { HasText = "answer" });
        await Assertions.Expect(answerAtAlice.Locator(".quote")).ToHaveTextAsync($"↪ {aliceName}: first");

        // React: the count appears for both.
        await answerAtAlice.HoverAsync();
        await answerAtAlice.Locator("button[title='React 👍']").ClickAsync();
        await Assertions.Expect(bob.Locator("#messages li", new() { HasText = "answer" }).Locator(".reactions button")).ToHaveTextAsync("👍 1");

        // Edit, then delete: the other side sees "(edited)", then a tombstone, and the quote follows.
        alice.Dialog += async (_, dialog) => await (dialog.Type == "prompt" ? dialog.AcceptAsync("first, fixed") : dialog.AcceptAsync());
        var firstAtAlice = alice.Locator("#messages li[data-id='1']");
        await firstAtAlice.HoverAsync();
        await firstAtAlice.Locator("button.action-edit").ClickAsync();
        await Assertions.Expect(bob.Locator("#messages li .text").First).ToHaveTextAsync("first, fixed");
        await Assertions.Expect(bob.Locator("#messages li .edited").First).ToBeVisibleAsync();
        await Assertions.Expect(firstAtAlice.Locator(".text")).ToHaveTextAsync("first, fixed");
        await firstAtAlice.HoverAsync();
        await firstAtAlice.Locator("button.action-delete").ClickAsync();
        await Assertions.Expect(bob.Locator("#messages li .tombstone")).ToHaveTextAsync("message deleted");
        await Assertions.Expect(bob.Locator("#messages li .quote")).ToHaveTextAsync($"↪ {aliceName}: deleted message");

        // Unread: bob is elsewhere while alice writes twice; the badge counts 2 and clears when he opens the room.
        var elsewhere = ChatClient.UniqueName("Elsewhere ");
        await bob.FillAsync("#new-room-name", elsewhere);
        await bob.ClickAsync("#create-room-button");
        await Assertions.Expect(bob.Locator("#room-title")).ToHaveTextAsync(elsewhere);
        await SendAsync(alice, "are you there?");
        await SendAsync(alice, "hello?");
        var roomAtBob = bob.Locator("#my-rooms li", new() { HasText = roomName });
        try { await Assertions.Expect(roomAtBob.Locator(".badge.unread")).ToHaveTextAsync("2"); }
        catch { throw new InvalidOperationException("LOG " + await bob.EvaluateAsync<string>("() => window.__log.join('\\n')")); }
        await Browser.ScreenshotAsync(bob, "features-unread-badge.png");
        await roomAtBob.ClickAsync();
        await Assertions.Expect(roomAtBob.Locator(".badge")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(alice, "features-chat.png");

        // Search from another room: the result opens the room at the message.
        await bob.Locator("#my-rooms li", new() { HasText = "Elsewhere" }).ClickAsync();
        await bob.FillAsync("#search-text", "there");
        await bob.ClickAsync("#search-button");
        var result = bob.Locator("#search-results li", new() { HasText = "are you there?" });
        await result.ClickAsync();
        await Assertions.Expect(bob.Locator("#room-title")).ToHaveTextAsync(roomName);
        await Assertions.Expect(bob.Locator("#messages li.found .text")).ToHaveTextAsync("are you there?");
        await Browser.ScreenshotAsync(bob, "features-search.png");
    }

    [BrowserFact]
    public async Task A_room_that_received_a_message_before_it_was_opened_shows_its_history_as_well()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomName = ChatClient.UniqueName("History ");
        var roomId = await alice.CreateRoomAsync(roomName);
        await alice.PostAsync(roomId, "before bob came");
        var bob = await JoinAsNewUserAsync(browser, roomName);

        // A fresh page: the room is not open, and its first message this session comes live.
        await bob.ReloadAsync();
        await Assertions.Expect(bob.Locator("#connection-state")).ToHaveTextAsync("connected");
        await alice.PostAsync(roomId, "while bob looked elsewhere");
        var room = bob.Locator("#my-rooms li", new() { HasText = roomName });
        await Assertions.Expect(room.Locator(".badge.unread")).ToHaveTextAsync("1");
        await room.ClickAsync();

        await Assertions.Expect(bob.Locator("#messages li .text")).ToHaveTextAsync(["before bob came", "while bob looked elsewhere"]);
    }

    [BrowserFact]
    public async Task A_search_result_far_back_opens_its_stretch_without_a_hole_and_scrolling_down_reaches_the_latest()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var (roomId, bob) = await JumpToAnEarlyMessageAsync(browser, alice);
        Assert.Equal(Enumerable.Range(1, 50), await ShownIdsAsync(bob));

        await alice.PostAsync(roomId, "posted while bob reads old messages");
        var latest = bob.Locator("#messages li[data-id='131']");
        for (var scroll = 0; scroll < 50 && await latest.CountAsync() == 0; scroll++)
        {
            await bob.EvalOnSelectorAsync("#messages", "box => box.scrollTop = box.scrollHeight");
            await Task.Delay(200);
        }

        await Assertions.Expect(latest.Locator(".text")).ToHaveTextAsync("posted while bob reads old messages");
        Assert.Equal(Enumerable.Range(1, 131), await ShownIdsAsync(bob));
    }

    [BrowserFact]
    public async Task Sending_while_reading_a_stretch_far_back_shows_the_latest_page_and_the_sent_message()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var (_, bob) = await JumpToAnEarlyMessageAsync(browser, alice);

        await SendAsync(bob, "back to the present");

        await Assertions.Expect(bob.Locator("#messages li[data-id='131'] .text")).ToHaveTextAsync("back to the present");
        Assert.Equal(Enumerable.Range(81, 51), await ShownIdsAsync(bob));
    }

    [BrowserFact]
    public async Task An_older_answer_to_the_room_list_that_arrives_last_does_not_undo_a_newer_unread_count()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var (roomId, roomName, bob) = await JoinThenLookElsewhereAsync(browser, alice, "Busy ");

        var held = await HeldRequest.HoldFirstAsync(bob, "**/api/rooms?joined=true*", snapshotFirst: true);
        await alice.PostAsync(roomId, "one");
        await held.Held.WaitAsync(ChatClient.WaitLimit);
        await alice.PostAsync(roomId, "two");
        var badge = bob.Locator("#my-rooms li", new() { HasText = roomName }).Locator(".badge.unread");
        await Assertions.Expect(badge).ToHaveTextAsync("2");

        var staleAnswer = bob.WaitForResponseAsync(response => response.Url.Contains("joined=true", StringComparison.Ordinal));
        held.Release();
        await staleAnswer;
        await bob.EvaluateAsync("() => new Promise(resolve => setTimeout(resolve, 500))");
        Assert.Equal("2", await badge.InnerTextAsync());
    }

    [BrowserFact]
    public async Task Text_typed_while_a_send_is_on_its_way_stays_in_the_composer()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomName = ChatClient.UniqueName("Drafts ");
        await alice.CreateRoomAsync(roomName);
        var bob = await JoinAsNewUserAsync(browser, roomName);

        // The send reads the composer, then waits for its answer; the next message is typed meanwhile.
        await bob.EvaluateAsync("""
            () => {
              document.getElementById("message-text").value = "sent first";
              document.getElementById("composer").requestSubmit();
              document.getElementById("message-text").value = "typed while it was sent";
            }
            """);

        await Assertions.Expect(bob.Locator("#messages li .text")).ToHaveTextAsync(["sent first"]);
        await Assertions.Expect(bob.Locator("#message-text")).ToHaveValueAsync("typed while it was sent");
    }

    [BrowserFact]
    public async Task A_live_message_is_added_without_rebuilding_the_items_already_shown()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomName = ChatClient.UniqueName("Steady ");
        var roomId = await alice.CreateRoomAsync(roomName);
        await alice.PostAsync(roomId, "already here");
        var bob = await JoinAsNewUserAsync(browser, roomName);
        await Assertions.Expect(bob.Locator("#messages li .text")).ToHaveTextAsync(["already here"]);
        await bob.EvalOnSelectorAsync("#messages li[data-id='1']", "item => item.markedByTheTest = true");

        await alice.PostAsync(roomId, "arrived live");

        await Assertions.Expect(bob.Locator("#messages li .text")).ToHaveTextAsync(["already here", "arrived live"]);
        Assert.True(await bob.EvalOnSelectorAsync<bool>("#messages li[data-id='1']", "item => item.markedByTheTest === true"));
    }

    [BrowserFact]
    public async Task A_room_followed_at_the_bottom_keeps_its_latest_thousand_messages_and_scrolling_up_loads_the_rest()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomName = ChatClient.UniqueName("Firehose ");
        var roomId = await alice.CreateRoomAsync(roomName);
        var bob = await JoinAsNewUserAsync(browser, roomName);

        for (var id = 1; id <= 1_060; id++)
        {
            await alice.PostAsync(roomId, $"message {id}");
        }

        await Assertions.Expect(bob.Locator("#messages li[data-id='1060']")).ToBeAttachedAsync();
        var kept = (await ShownIdsAsync(bob)).ToList();
        Assert.InRange(kept.Count, 1_000, 1_050);
        Assert.Equal(Enumerable.Range(1_061 - kept.Count, kept.Count), kept);

        await bob.EvalOnSelectorAsync("#messages", "box => box.scrollTop = 0");
        await Assertions.Expect(bob.Locator($"#messages li[data-id='{kept[0] - 1}']")).ToBeAttachedAsync();
    }

    [BrowserFact]
    public async Task A_burst_of_messages_in_the_open_room_moves_the_read_marker_a_few_times_not_once_per_message()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomName = ChatClient.UniqueName("Burst ");
        var roomId = await alice.CreateRoomAsync(roomName);
        var bob = await JoinAsNewUserAsync(browser, roomName);
        await bob.EvaluateAsync("""
            () => {
              const invoke = state.connection.invoke.bind(state.connection);
              window.markReads = 0;
              state.connection.invoke = (method, ...args) => {
                if (method === "MarkRead") window.markReads++;
                return invoke(method, ...args);
              };
            }
            """);

        await Task.WhenAll(Enumerable.Range(1, 30).Select(i => alice.PostAsync(roomId, $"burst {i}")));

        await Assertions.Expect(bob.Locator("#messages li[data-id='30']")).ToBeAttachedAsync();
        await Eventually.TrueAsync(
            async () => await bob.EvaluateAsync<long>(
                "() => fetch('/api/rooms?joined=true', { headers: { Authorization: `Bearer ${state.token}` } }).then(r => r.json()).then(rooms => rooms[0].lastReadId)") == 30,
            ChatClient.WaitLimit,
            "bob's read marker reaches the last message");
        Assert.InRange(await bob.EvaluateAsync<int>("() => window.markReads"), 1, 10);
    }

    [BrowserFact]
    public async Task A_steady_stream_in_another_room_shows_its_unread_badge_before_the_stream_ends()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var (roomId, roomName, bob) = await JoinThenLookElsewhereAsync(browser, alice, "Stream ");

        // A message every 100 ms for 6 s: never a pause long enough for a refresh that waits for quiet.
        var stream = Task.Run(async () =>
        {
            for (var i = 1; i <= 60; i++)
            {
                await alice.PostAsync(roomId, $"stream {i}");
                await Task.Delay(100);
            }
        });

        await Assertions.Expect(bob.Locator("#my-rooms li", new() { HasText = roomName }).Locator(".badge.unread")).ToBeVisibleAsync();
        Assert.False(stream.IsCompleted, "The badge showed only after the stream had ended.");
        await stream;
    }

    /// <summary>Alice fills a room with 130 messages; Bob joins it, searches for the 10th and opens it.</summary>
    private async Task<(string RoomId, IPage Bob)> JumpToAnEarlyMessageAsync(IBrowser browser, ChatClient alice)
    {
        var roomName = ChatClient.UniqueName("Haystack ");
        var roomId = await alice.CreateRoomAsync(roomName);
        var needle = ChatClient.UniqueName("needle");
        for (var id = 1; id <= 130; id++)
        {
            await alice.PostAsync(roomId, id == 10 ? $"{needle} in the hay" : $"hay {id}");
        }

        var bob = await JoinAsNewUserAsync(browser, roomName);
        await Assertions.Expect(bob.Locator("#messages li[data-id='130']")).ToBeVisibleAsync();

        await bob.FillAsync("#search-text", needle);
        await bob.ClickAsync("#search-button");
        await bob.Locator("#search-results li", new() { HasText = needle }).ClickAsync();
        await Assertions.Expect(bob.Locator("#messages li.found .text")).ToHaveTextAsync($"{needle} in the hay");
        return (roomId, bob);
    }

    /// <summary>Alice makes a room; Bob, a new user, joins it, then creates another room and opens that one instead.</summary>
    private async Task<(string RoomId, string RoomName, IPage Bob)> JoinThenLookElsewhereAsync(IBrowser browser, ChatClient alice, string prefix)
    {
        var roomName = ChatClient.UniqueName(prefix);
        var roomId = await alice.CreateRoomAsync(roomName);
        var bob = await JoinAsNewUserAsync(browser, roomName);
        var elsewhere = ChatClient.UniqueName("Elsewhere ");
        await bob.FillAsync("#new-room-name", elsewhere);
        await bob.ClickAsync("#create-room-button");
        await Assertions.Expect(bob.Locator("#room-title")).ToHaveTextAsync(elsewhere);
        return (roomId, roomName, bob);
    }

    /// <summary>A new user in a new browser page joins the room from the list of all rooms and has it open.</summary>
    private async Task<IPage> JoinAsNewUserAsync(IBrowser browser, string roomName)
    {
        var page = await OpenAsync(browser);
        await RegisterAsync(page, ChatClient.UniqueName("bob"));
        await page.ReloadAsync();
        await page.Locator("#all-rooms li", new() { HasText = roomName }).ClickAsync();
        await Assertions.Expect(page.Locator("#room-title")).ToHaveTextAsync(roomName);
        return page;
    }

    private static async Task<IEnumerable<int>> ShownIdsAsync(IPage page) =>
        (await page.Locator("#messages li[data-id]").EvaluateAllAsync<string[]>("items => items.map(item => item.dataset.id)")).Select(int.Parse);

    private async Task<IPage> OpenAsync(IBrowser browser)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = gateway.ServerAddress.ToString(), ViewportSize = new() { Width = 1100, Height = 700 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        return page;
    }

    private static async Task RegisterAsync(IPage page, string username)
    {
        await page.FillAsync("#auth-username", username);
        await page.FillAsync("#auth-password", "browser password");
        await page.ClickAsync("#register-button");
        await Assertions.Expect(page.Locator("#connection-state")).ToHaveTextAsync("connected");
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await page.FillAsync("#message-text", text);
        await page.ClickAsync("#send-button");
    }
}
