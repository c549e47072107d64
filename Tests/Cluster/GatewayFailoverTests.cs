using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Runtime;
using GrainChat.Silo.Cluster;
using GrainChat.Silo.Cluster.Placement;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Cluster;

/// <summary>kill -9 of a Gateway node in the middle of a conversation spread over three nodes.</summary>
public sealed class GatewayFailoverTests(GatewayCluster cluster) : IClassFixture<GatewayCluster>
{
    private const int TotalMessages = 1000;
    private const int KillAfter = 300;
    private static readonly TimeSpan SendLimit = GatewayCluster.DeadAfter + TimeSpan.FromSeconds(15);

    [PostgresFact]
    public async Task Killing_the_node_that_owns_a_busy_room_loses_no_acknowledged_message_and_its_clients_catch_up_elsewhere()
    {
        await using var owner = await ChatClient.RegisterAsync(cluster.Nodes[0]);
        var roomId = await owner.CreateRoomAsync();
        var victim = await RoomOwnerAsync(owner, roomId);
        var survivors = cluster.Nodes.Where(n => n != victim).ToArray();
        var senders = new List<ChatClient>();
        for (var i = 0; i < 6; i++)
        {
            var sender = await ChatClient.RegisterAsync(cluster.Nodes[i % 3]);
            await sender.JoinAsync(roomId);
            senders.Add(sender);
        }

        // A listener on the node about to die: it must come back through another node and catch up.
        await using var listener = (await ChatClient.RegisterAsync(victim)).On(victim);
        await listener.JoinAsync(roomId);
        var listening = await listener.ConnectAsync();

        var acknowledged = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var slowest = TimeSpan.Zero;
        var next = -1;
        var unavailable = 0;
        var killed = new TaskCompletionSource();
        var sending = senders.Select((sender, index) => Task.Run(async () =>
        {
            try
            {
                await SendUntilAllAreAcknowledgedAsync(sender, index);
            }
            catch (Exception failure)
            {
                // A sender failing before the kill would otherwise show only as the kill's wait timing out.
                killed.TrySetException(failure);
                throw;
            }
        })).ToArray();

        async Task SendUntilAllAreAcknowledgedAsync(ChatClient sender, int index)
        {
            var node = cluster.Nodes[index % 3];
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= TotalMessages)
                {
                    return;
                }

                var clientMessageId = $"m{n}";
                while (true)
                {
                    using var http = node.CreateClient();
                    http.Timeout = SendLimit;
                    http.DefaultRequestHeaders.Authorization = new("Bearer", sender.Token);
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        var response = await http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = $"message {n}", clientMessageId });
                        // 201, or 200 for a retry of a send that was stored before its answer was lost with the node.
                        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                        {
                            acknowledged[clientMessageId] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
                            if (acknowledged.Count == KillAfter)
                            {
                                killed.TrySetResult();
                            }

                            break;
                        }

                        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                        Interlocked.Increment(ref unavailable);
                    }
                    catch (HttpRequestException) when (killed.Task.IsCompleted && node == victim)
                    {
                        // The node died under this client: it goes to another one, as a browser's reconnect would.
                        node = survivors[index % survivors.Length];
                    }
                    finally
                    {
                        lock (acknowledged)
                        {
                            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
                        }
                    }

                    await Task.Delay(100);
                }
            }
        }

        try
        {
            await killed.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            var nodes = string.Join('\n', cluster.Nodes.Select(n => $"--- {n.Address}\n{string.Join('\n', n.Output.Split('\n').TakeLast(20))}"));
            throw new TimeoutException(
                $"{acknowledged.Count} of the {KillAfter} sends before the kill acknowledged in 2 minutes; {Volatile.Read(ref unavailable)} answers were 503. The nodes' last lines:\n{nodes}");
        }

        await victim.KillAsync();
        await Task.WhenAll(sending).WaitAsync(TimeSpan.FromMinutes(3));

        // The listener's connection died with its node: it reconnects elsewhere and asks for what it missed.
        await Eventually.TrueAsync(() => listening.State == HubConnectionState.Disconnected, ChatClient.WaitLimit);
        await using var reconnected = listener.On(survivors[0]);
        var seen = listener.Events.Where(e => e.Name == "MessageReceived").Select(e => e.Payload.GetProperty("id").GetInt64()).ToHashSet();
        var hub = await reconnected.ConnectAsync();
        while (true)
        {
            var caughtUp = await hub.InvokeAsync<JsonElement[]>("GetNewMessages", roomId, seen.Count == 0 ? 0 : seen.Max());
            if (caughtUp.Length == 0)
            {
                break;
            }

            seen.UnionWith(caughtUp.Select(m => m.GetProperty("id").GetInt64()));
        }

        var stored = await AllMessagesAsync(senders[0].On(survivors[0]), roomId);
        Assert.Equal(TotalMessages, acknowledged.Count);
        Assert.Equal(Enumerable.Range(1, TotalMessages).Select(i => (long)i), stored.Select(m => m.GetProperty("id").GetInt64()));
        Assert.Equal(
            acknowledged.OrderBy(a => a.Value).Select(a => a.Key),
            stored.Select(m => m.GetProperty("clientMessageId").GetString()));
        Assert.Equal(Enumerable.Range(1, TotalMessages).Select(i => (long)i), seen.Order());
        Assert.True(slowest < SendLimit, $"a send took {slowest}");
        foreach (var sender in senders)
        {
            await sender.DisposeAsync();
        }
    }

    /// <summary>Which node owns the room's grain: the placement ring over the members the silos page lists.</summary>
    private async Task<GatewayProcess> RoomOwnerAsync(ChatClient anyone, string roomId)
    {
        await using var admin = await ChatClient.AdminAsync(cluster.Nodes[0]);
        var silos = (await admin.Http.GetFromJsonAsync<JsonElement>("/api/admin/silos")).GetProperty("silos").EnumerateArray()
            .Where(s => s.GetProperty("status").GetString() == "Active")
            .Select(s => SiloAddress.Parse(s.GetProperty("silo").GetString()!))
            .ToArray();
        var owner = new PlacementRing(silos).OwnerOf(new GrainId("room", roomId))!;
        foreach (var node in cluster.Nodes)
        {
            await using var admin2 = await ChatClient.AdminAsync(node);
            var self = (await admin2.Http.GetFromJsonAsync<JsonElement>("/api/admin/silos")).GetProperty("self").GetString();
            if (self == owner.ToString())
            {
                return node;
            }
        }

        throw new InvalidOperationException($"No node is {owner}; {anyone.Username} cannot tell where {roomId} lives.");
    }

    private static async Task<List<JsonElement>> AllMessagesAsync(ChatClient reader, string roomId)
    {
        var all = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = await reader.HistoryAsync(roomId, $"?after={after}&limit=200");
            all.AddRange(page);
            if (page.Length < 200)
            {
                return all;
            }

            after = page[^1].GetProperty("id").GetInt64();
        }
    }
}
