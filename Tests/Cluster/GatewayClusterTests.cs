using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Cluster;

/// <summary>Three Gateway processes on one PostgreSQL, each with its own key folder: one chat, whichever node a client uses.</summary>
public sealed class GatewayClusterTests(GatewayCluster cluster) : IClassFixture<GatewayCluster>
{
    private GatewayProcess A => cluster.Nodes[0];

    private GatewayProcess B => cluster.Nodes[1];

    private GatewayProcess C => cluster.Nodes[2];

    [PostgresFact]
    public async Task A_token_from_one_node_is_accepted_by_every_node()
    {
        await using var alice = await ChatClient.RegisterAsync(A);

        foreach (var node in cluster.Nodes)
        {
            await using var elsewhere = alice.On(node);
            var me = await elsewhere.Http.GetFromJsonAsync<JsonElement>("/api/me");
            Assert.Equal(alice.Username, me.GetProperty("username").GetString());
        }
    }

    [PostgresFact]
    public async Task Clients_on_different_nodes_in_one_room_receive_each_others_messages_in_order()
    {
        await using var alice = await ChatClient.RegisterAsync(A);
        await using var bob = (await ChatClient.RegisterAsync(B)).On(B);
        await using var carol = (await ChatClient.RegisterAsync(C)).On(C);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await carol.JoinAsync(roomId);
        var listeners = new[] { alice, bob, carol };
        foreach (var listener in listeners)
        {
            await listener.ConnectAsync();
        }

        for (var i = 0; i < 30; i++)
        {
            await listeners[i % 3].PostAsync(roomId, $"hop {i}");
        }

        foreach (var listener in listeners)
        {
            await Eventually.TrueAsync(
                () => MessageIds(listener, roomId).Count >= 30,
                ChatClient.WaitLimit,
                $"{listener.Username} gets all 30 messages; got {string.Join(',', MessageIds(listener, roomId))}");
            Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), MessageIds(listener, roomId));
        }
    }

    [PostgresFact]
    public async Task Pipelined_sends_of_one_connection_to_rooms_held_by_other_nodes_are_stored_in_the_order_sent()
    {
        const int Rooms = 6;
        const int SendsPerRoom = 6;
        await using var alice = await ChatClient.RegisterAsync(A);
        var roomIds = new string[Rooms];
        for (var r = 0; r < Rooms; r++)
        {
            // Six rooms: the chance that node A holds every one of them is 1 in 729.
            roomIds[r] = await alice.CreateRoomAsync();
            await alice.PostAsync(roomIds[r], "original");
        }

        var hub = await alice.ConnectAsync();
        var acks = new List<(int Room, int Index, Task<JsonElement> Ack)>();
        for (var i = 0; i < SendsPerRoom; i++)
        {
            for (var r = 0; r < Rooms; r++)
            {
                acks.Add((r, i, i == 3
                    ? hub.InvokeAsync<JsonElement>("SendReply", roomIds[r], 1L, $"m{i}", $"c{r}-{i}")
                    : hub.InvokeAsync<JsonElement>("SendMessage", roomIds[r], $"m{i}", $"c{r}-{i}")));
            }
        }

        await Task.WhenAll(acks.Select(a => a.Ack)).WaitAsync(ChatClient.WaitLimit);

        for (var r = 0; r < Rooms; r++)
        {
            var inRoom = acks.Where(a => a.Room == r).Select(a => a.Ack.Result).ToArray();
            Assert.Equal(Enumerable.Range(2, SendsPerRoom).Select(id => (long)id), inRoom.Select(m => m.GetProperty("id").GetInt64()));
            Assert.Equal(Enumerable.Range(0, SendsPerRoom).Select(i => $"m{i}"), (await alice.HistoryAsync(roomIds[r], "?after=1")).Select(m => m.GetProperty("text").GetString()));
        }
    }

    [PostgresFact]
    public async Task A_direct_message_sent_through_one_node_reaches_the_recipient_on_another()
    {
        await using var alice = await ChatClient.RegisterAsync(A);
        await using var carol = await ChatClient.RegisterAsync(C);
        await carol.ConnectAsync();

        var sent = await alice.Http.PostAsJsonAsync($"/api/dm/{carol.Username}/messages", new { text = "across the cluster" });

        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        await carol.WaitForEventAsync("DirectMessageReceived", m => m.GetProperty("text").GetString() == "across the cluster");
    }

    [PostgresFact]
    public async Task Logout_on_one_node_closes_the_users_connection_on_another()
    {
        await using var alice = await ChatClient.RegisterAsync(A);
        await using var aliceOnB = alice.On(B);
        var connection = await aliceOnB.ConnectAsync();
        var closed = new TaskCompletionSource();
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        Assert.Equal(HttpStatusCode.OK, (await alice.Http.PostAsync("/api/logout", null)).StatusCode);

        await closed.Task.WaitAsync(ChatClient.WaitLimit);
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
    }

    [PostgresFact]
    public async Task An_admin_on_one_node_lists_and_disconnects_a_connection_held_by_another()
    {
        await using var admin = await ChatClient.AdminAsync(A);
        await using var dave = await ChatClient.RegisterAsync(C);
        var connection = await dave.ConnectAsync();
        var closed = new TaskCompletionSource();
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        var listed = await admin.Http.GetFromJsonAsync<JsonElement>($"/api/admin/connections?user={dave.Username}");
        var connectionId = Assert.Single(listed.GetProperty("connections").EnumerateArray()).GetProperty("connectionId").GetString();
        var disconnected = await admin.Http.PostAsync($"/api/admin/disconnect/{connectionId}", null);

        Assert.Equal(HttpStatusCode.OK, disconnected.StatusCode);
        await closed.Task.WaitAsync(ChatClient.WaitLimit);
    }

    [PostgresFact]
    public async Task Twenty_users_spread_over_the_nodes_racing_for_a_four_player_session_leave_exactly_four_players()
    {
        await using var host = await ChatClient.RegisterAsync(A);
        var room = ChatClient.UniqueName("race");
        Assert.Equal(HttpStatusCode.OK, (await host.Http.PostAsJsonAsync("/api/lobby", new { type = "host", room })).StatusCode);
        var racers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => ChatClient.RegisterAsync(cluster.Nodes[i % 3])));

        var responses = await Task.WhenAll(racers.Select(r => r.Http.PostAsJsonAsync("/api/lobby", new { type = "join", room })));

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var sessions = await B.CreateClient().GetFromJsonAsync<JsonElement>("/api/lobby/sessions");
        var session = sessions.GetProperty("active_sessions").EnumerateArray().Single(s => s.GetProperty("room").GetString() == room);
        Assert.Equal(4, session.GetProperty("players").GetArrayLength());
        foreach (var racer in racers)
        {
            await racer.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task The_silos_page_lists_every_node_as_an_active_gateway()
    {
        await using var admin = await ChatClient.AdminAsync(B);

        var silos = await admin.Http.GetFromJsonAsync<JsonElement>("/api/admin/silos");

        var active = silos.GetProperty("silos").EnumerateArray().Where(s => s.GetProperty("status").GetString() == "Active").ToArray();
        Assert.Equal(GatewayCluster.NodeCount, active.Length);
        Assert.All(active, s => Assert.Equal("gateway", s.GetProperty("role").GetString()));
        Assert.True(silos.GetProperty("clustered").GetBoolean());
    }

    [BrowserFact]
    public async Task The_dashboard_of_any_node_shows_every_silo_and_its_grains()
    {
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        var page = await (await browser.NewContextAsync(new() { BaseURL = C.ServerAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1200 } })).NewPageAsync();

        await page.GotoAsync("/dashboard");
        await page.FillAsync("#username", GatewayFactory.AdminName);
        await page.FillAsync("#password", GatewayFactory.AdminPassword);
        await page.ClickAsync("#signin-button");

        await Microsoft.Playwright.Assertions.Expect(page.Locator("#silos tbody tr")).ToHaveCountAsync(GatewayCluster.NodeCount);
        await Microsoft.Playwright.Assertions.Expect(page.Locator("#silos tbody tr", new() { HasText = "(this node)" })).ToHaveCountAsync(1);
        await Microsoft.Playwright.Assertions.Expect(page.Locator("#silo-grains tbody tr")).ToHaveCountAsync(GatewayCluster.NodeCount + 1);
        await Browser.ScreenshotAsync(page, "dashboard-cluster.png");
    }

    private static List<long> MessageIds(ChatClient client, string roomId) =>
        client.Events.Where(e => e.Name == "MessageReceived" && e.Payload.GetProperty("roomId").GetString() == roomId)
            .Select(e => e.Payload.GetProperty("id").GetInt64())
            .ToList();
}
