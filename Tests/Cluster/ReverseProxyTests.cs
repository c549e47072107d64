using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Cluster;

/// <summary>nginx in front of two Gateway nodes: WebSockets without negotiation need no sticky sessions, and a dead node is routed around.</summary>
public sealed class ReverseProxyTests(GatewayCluster cluster) : IClassFixture<GatewayCluster>
{
    [NginxFact]
    public async Task Clients_behind_nginx_keep_chatting_when_a_node_dies_reconnecting_through_nginx_and_catching_up()
    {
        await using var proxy = await NginxProxy.StartAsync(cluster.Nodes.Take(2));
        await using var alice = await ChatClient.RegisterAsync(proxy);
        await using var bob = await ChatClient.RegisterAsync(proxy);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        var clients = new[] { alice, bob };
        var hubs = new Dictionary<ChatClient, HubConnection>();
        foreach (var client in clients)
        {
            hubs[client] = await client.ConnectAsync();
        }

        for (var i = 1; i <= 10; i++)
        {
            await clients[i % 2].PostAsync(roomId, $"before {i}");
        }

        await cluster.Nodes[0].KillAsync();
        for (var i = 1; i <= 10; i++)
        {
            await PostRetryingAsync(clients[i % 2], roomId, $"after {i}", $"after-{i}");
        }

        foreach (var client in clients)
        {
            if (hubs[client].State != HubConnectionState.Connected)
            {
                hubs[client] = await RetryWhileRecoveringAsync(() => client.ConnectAsync());
            }

            var seen = ReceivedIds(client, roomId);
            var missed = await RetryWhileRecoveringAsync(() => hubs[client].InvokeAsync<JsonElement[]>("GetNewMessages", roomId, seen.Count == 0 ? 0 : seen.Max()));
            seen.UnionWith(missed.Select(m => m.GetProperty("id").GetInt64()));
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), seen.Order());
        }
    }

    /// <summary>While the dead node's rooms move (up to DeadAfter), sends answer 503 with Retry-After; the client retries with the same id.</summary>
    private static async Task PostRetryingAsync(ChatClient client, string roomId, string text, string clientMessageId)
    {
        var deadline = DateTime.UtcNow + GatewayCluster.DeadAfter + TimeSpan.FromSeconds(20);
        while (true)
        {
            var response = await client.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text, clientMessageId });
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
            {
                return;
            }

            Assert.True(response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.True(DateTime.UtcNow < deadline, "sends kept failing long after the node died");
            await Task.Delay(200);
        }
    }

    /// <summary>Until the dead node is declared dead, its grains are unreachable: the hub says so with retryAfter, and a client retries.</summary>
    private static async Task<T> RetryWhileRecoveringAsync<T>(Func<Task<T>> attempt)
    {
        var deadline = DateTime.UtcNow + GatewayCluster.DeadAfter + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                return await attempt();
            }
            catch (HubException exception) when (DateTime.UtcNow < deadline)
            {
                Assert.Contains("retryAfter=", exception.Message, StringComparison.Ordinal);
                await Task.Delay(200);
            }
        }
    }

    private static HashSet<long> ReceivedIds(ChatClient client, string roomId) =>
        client.Events.Where(e => e.Name == "MessageReceived" && e.Payload.GetProperty("roomId").GetString() == roomId)
            .Select(e => e.Payload.GetProperty("id").GetInt64())
            .ToHashSet();
}
