using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using GrainChat.Gateway.Realtime;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Gateway;

/// <summary>A Gateway with a small outbox per connection, so a client that stops reading overflows it quickly.</summary>
public sealed class SmallOutboxGatewayFactory : GatewayFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["GrainChat:Limits:OutboxMessages"] = "50",
        ["GrainChat:RateLimit:MessagesPerSecond"] = "100000",
        ["GrainChat:RateLimit:Burst"] = "100000",
    };
}

public sealed class SlowClientTests(SmallOutboxGatewayFactory gateway) : IClassFixture<SmallOutboxGatewayFactory>
{
    private const int Messages = 800;

    [Fact]
    public async Task A_member_that_stops_reading_is_disconnected_and_never_holds_up_the_others()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await using var carol = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await bob.JoinAsync(roomId);
        await carol.JoinAsync(roomId);
        await bob.ConnectAsync();
        using var stalled = await ConnectWithoutReadingAsync(carol.Token);
        var registry = gateway.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.TrueAsync(() => registry.CountOfUser(carol.Username.ToLowerInvariant()) == 1, ChatClient.WaitLimit);

        var text = new string('x', 3_900);
        for (var i = 0; i < Messages; i++)
        {
            await alice.PostAsync(roomId, $"{i} {text}");
        }

        await Eventually.TrueAsync(() => bob.Events.Count(e => e.Name == "MessageReceived") == Messages, ChatClient.WaitLimit, "the reading member got every message without waiting for the stalled one");
        await Eventually.TrueAsync(() => registry.CountOfUser(carol.Username.ToLowerInvariant()) == 0, ChatClient.WaitLimit, "the stalled connection was closed");
        Assert.Contains(gateway.Logs.Lines, line => line.Contains("stopped reading", StringComparison.Ordinal));
    }

    /// <summary>A hub connection that completes the handshake and then never reads again, with a small socket receive buffer.</summary>
    private async Task<ClientWebSocket> ConnectWithoutReadingAsync(string token)
    {
        var uri = new UriBuilder(gateway.ServerAddress) { Scheme = "ws", Path = "/hubs/chat", Query = $"access_token={Uri.EscapeDataString(token)}" }.Uri;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, new HttpMessageInvoker(handler), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        await socket.ReceiveAsync(new byte[1024], CancellationToken.None);
        return socket;
    }
}
