using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Gateway;

public sealed class DurabilityTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("grainchat-durability-");

    [Fact]
    public Task Every_acknowledged_message_survives_a_kill_9_of_the_gateway_process() =>
        AcknowledgedMessagesSurviveAsync(gateway => gateway.KillAsync());

    [Fact]
    public Task Every_message_acknowledged_before_a_sigterm_is_stored_after_the_graceful_shutdown() =>
        AcknowledgedMessagesSurviveAsync(gateway => gateway.TerminateAsync());

    /// <summary>Eight senders keep writing while the process is stopped by <paramref name="stop"/>; after a restart every acknowledged message is there, ids without gaps.</summary>
    private async Task AcknowledgedMessagesSurviveAsync(Func<GatewayProcess, Task> stop)
    {
        string token;
        string roomId;
        var acknowledged = new ConcurrentBag<(long Id, string Text)>();
        await using (var gateway = await GatewayProcess.StartAsync(_data.FullName))
        {
            using var anonymous = new HttpClient { BaseAddress = gateway.Address };
            var registered = await (await anonymous.PostAsJsonAsync("/api/register", new { username = "durable", password = "password1" })).Content.ReadFromJsonAsync<JsonElement>();
            token = registered.GetProperty("token").GetString()!;
            using var http = Authorized(gateway.Address, token);
            roomId = (await (await http.PostAsJsonAsync("/api/rooms", new { roomName = "vault" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("roomId").GetString()!;

            using var stopSending = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 8).Select(sender => Task.Run(async () =>
            {
                for (var i = 0; !stopSending.IsCancellationRequested; i++)
                {
                    var text = $"s{sender}-{i}";
                    try
                    {
                        var response = await http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text, clientMessageId = text });
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            acknowledged.Add(((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64(), text));
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                }
            })).ToArray();

            await Eventually.TrueAsync(() => acknowledged.Count >= 300, TimeSpan.FromSeconds(60));
            await stop(gateway);
            await stopSending.CancelAsync();
            await Task.WhenAll(senders);
        }

        await using var restarted = await GatewayProcess.StartAsync(_data.FullName);
        using var client = Authorized(restarted.Address, token);
        var stored = new Dictionary<long, string>();
        for (long after = 0; ;)
        {
            var page = (await client.GetFromJsonAsync<JsonElement>($"/api/rooms/{roomId}/messages?after={after}&limit=200")).GetProperty("messages").EnumerateArray().ToArray();
            if (page.Length == 0)
            {
                break;
            }

            foreach (var message in page)
            {
                stored[message.GetProperty("id").GetInt64()] = message.GetProperty("text").GetString()!;
            }

            after = page[^1].GetProperty("id").GetInt64();
        }

        Assert.All(acknowledged, ack => Assert.Equal(ack.Text, stored.GetValueOrDefault(ack.Id)));
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Keys.Order());
    }

    [Fact]
    public async Task Lobby_session_lists_are_the_same_after_a_gateway_restart()
    {
        string before;
        await using (var gateway = await GatewayProcess.StartAsync(_data.FullName))
        {
            using var anonymous = new HttpClient { BaseAddress = gateway.Address };
            var tokens = new List<string>();
            foreach (var name in new[] { "hosta", "hostb", "guest" })
            {
                var registered = await (await anonymous.PostAsJsonAsync("/api/register", new { username = name, password = "password1" })).Content.ReadFromJsonAsync<JsonElement>();
                tokens.Add(registered.GetProperty("token").GetString()!);
            }

            using var hostA = Authorized(gateway.Address, tokens[0]);
            using var hostB = Authorized(gateway.Address, tokens[1]);
            using var guest = Authorized(gateway.Address, tokens[2]);
            Assert.True((await hostA.PostAsJsonAsync("/api/lobby", new { type = "host", room = "waiting room" })).IsSuccessStatusCode);
            Assert.True((await hostB.PostAsJsonAsync("/api/lobby", new { type = "host", room = "duel", maxPlayers = 2 })).IsSuccessStatusCode);
            Assert.True((await guest.PostAsJsonAsync("/api/lobby", new { type = "join", room = "duel" })).IsSuccessStatusCode);
            before = await anonymous.GetStringAsync("/api/lobby/sessions");
            await gateway.KillAsync();
        }

        await using var restarted = await GatewayProcess.StartAsync(_data.FullName);
        using var client = new HttpClient { BaseAddress = restarted.Address };
        var after = await client.GetFromJsonAsync<JsonElement>("/api/lobby/sessions");

        Assert.Equal(before, after.GetRawText());
        Assert.Equal("waiting room", after.GetProperty("pending_sessions").EnumerateArray().Single().GetProperty("room").GetString());
        Assert.Equal("duel", after.GetProperty("active_sessions").EnumerateArray().Single().GetProperty("room").GetString());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Delete(recursive: true);
    }

    private static HttpClient Authorized(Uri address, string token)
    {
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
