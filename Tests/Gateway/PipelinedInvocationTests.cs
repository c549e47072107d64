using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Gateway;

/// <summary>
/// A client that sends its next invocations before the answers to the earlier ones arrive: sends overlap, and
/// everything is still stored and answered as if each had waited for the one before it. On SQLite.
/// </summary>
public sealed class PipelinedInvocationTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Pipelined_sends_and_replies_are_stored_in_the_order_sent() =>
        await PipelinedInvocationScenarios.SendsAndRepliesKeepTheirOrder(gateway, sends: 120);

    [Fact]
    public async Task A_send_pipelined_right_after_JoinRoom_is_accepted() =>
        await PipelinedInvocationScenarios.JoinThenSend(gateway);

    [Fact]
    public async Task A_send_pipelined_right_after_LeaveRoom_is_refused() =>
        await PipelinedInvocationScenarios.LeaveThenSend(gateway);

    [Fact]
    public async Task A_read_pipelined_after_sends_sees_every_one_of_them() =>
        await PipelinedInvocationScenarios.ReadAfterSends(gateway);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresPipelinedInvocationTests(PostgresServer server)
{
    // PostgreSQL answers a reply's lookup of its original asynchronously: the case where a later send could overtake.
    [PostgresFact]
    public async Task Pipelined_sends_replies_joins_leaves_and_reads_keep_their_order_on_postgres()
    {
        await using var gateway = new PostgresGatewayFactory(await server.CreateDatabaseAsync());
        await PipelinedInvocationScenarios.SendsAndRepliesKeepTheirOrder(gateway, sends: 120);
        await PipelinedInvocationScenarios.JoinThenSend(gateway);
        await PipelinedInvocationScenarios.LeaveThenSend(gateway);
        await PipelinedInvocationScenarios.ReadAfterSends(gateway);
    }
}

public static class PipelinedInvocationScenarios
{
    public static async Task SendsAndRepliesKeepTheirOrder(IGatewayEndpoint gateway, int sends)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var original = (await alice.PostAsync(roomId, "original")).GetProperty("id").GetInt64();
        var hub = await alice.ConnectAsync();

        var acks = Enumerable.Range(0, sends)
            .Select(i => i % 5 == 0
                ? hub.InvokeAsync<JsonElement>("SendReply", roomId, original, $"m{i}", $"c{i}")
                : hub.InvokeAsync<JsonElement>("SendMessage", roomId, $"m{i}", $"c{i}"))
            .ToArray();
        var stored = await Task.WhenAll(acks).WaitAsync(ChatClient.WaitLimit);

        Assert.Equal(Enumerable.Range(0, sends).Select(i => $"m{i}"), stored.Select(m => m.GetProperty("text").GetString()));
        Assert.Equal(Enumerable.Range(2, sends).Select(id => (long)id), stored.Select(m => m.GetProperty("id").GetInt64()));
        var history = await alice.HistoryAsync(roomId, $"?after={original}&limit=200");
        Assert.Equal(Enumerable.Range(0, sends).Select(i => $"m{i}"), history.Select(m => m.GetProperty("text").GetString()));
        Assert.Equal(
            Enumerable.Range(0, sends).Select(i => i % 5 == 0 ? original : (long?)null),
            history.Select(m => m.TryGetProperty("replyTo", out var replyTo) && replyTo.ValueKind == JsonValueKind.Number ? replyTo.GetInt64() : (long?)null));
    }

    public static async Task JoinThenSend(IGatewayEndpoint gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var hub = await bob.ConnectAsync();

        var join = hub.InvokeAsync<JsonElement>("JoinRoom", roomId);
        var send = hub.InvokeAsync<JsonElement>("SendMessage", roomId, "just joined", "j1");

        Assert.Equal("joined", (await join).GetProperty("status").GetString());
        Assert.Equal("just joined", (await send).GetProperty("text").GetString());
    }

    public static async Task LeaveThenSend(IGatewayEndpoint gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        var hub = await bob.ConnectAsync();

        var leave = hub.InvokeAsync<JsonElement>("LeaveRoom", roomId);
        var send = hub.InvokeAsync<JsonElement>("SendMessage", roomId, "after leaving", "l1");

        Assert.Equal("left", (await leave).GetProperty("status").GetString());
        await Assert.ThrowsAsync<HubException>(() => send);
        Assert.Empty(await alice.HistoryAsync(roomId));
    }

    public static async Task ReadAfterSends(IGatewayEndpoint gateway)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var hub = await alice.ConnectAsync();

        var sends = Enumerable.Range(0, 10).Select(i => hub.InvokeAsync<JsonElement>("SendMessage", roomId, $"r{i}", $"r{i}")).ToArray();
        var read = hub.InvokeAsync<JsonElement>("GetNewMessages", roomId, 0L);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"r{i}"), (await read).EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        await Task.WhenAll(sends);
    }
}
