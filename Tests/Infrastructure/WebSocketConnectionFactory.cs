using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// Connects the .NET SignalR client (Client.Core) over a real WebSocket, skipping negotiation, as the
/// JavaScript client does with <c>skipNegotiation</c>. (The package with the HTTP transports is not available here.)
/// </summary>
public sealed class WebSocketConnectionFactory(Uri hubUri) : IConnectionFactory
{
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(hubUri, cancellationToken);
        return new WebSocketConnection(socket);
    }

    private sealed class WebSocketConnection : ConnectionContext
    {
        private readonly ClientWebSocket _socket;
        private readonly Pipe _incoming = new();
        private readonly Pipe _outgoing = new();
        private readonly CancellationTokenSource _closing = new();
        private readonly Task _receiving;
        private readonly Task _sending;

        public WebSocketConnection(ClientWebSocket socket)
        {
            _socket = socket;
            Transport = new DuplexPipe(_incoming.Reader, _outgoing.Writer);
            _receiving = Task.Run(ReceiveAsync);
            _sending = Task.Run(SendAsync);
        }

        public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        public override void Abort() => _closing.Cancel();

        public override async ValueTask DisposeAsync()
        {
            _closing.Cancel();
            await _outgoing.Writer.CompleteAsync();
            await Task.WhenAll(_receiving, _sending);
            _socket.Dispose();
        }

        private async Task ReceiveAsync()
        {
            Exception? failure = null;
            try
            {
                while (!_closing.IsCancellationRequested)
                {
                    var memory = _incoming.Writer.GetMemory(4096);
                    var result = await _socket.ReceiveAsync(memory, _closing.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    _incoming.Writer.Advance(result.Count);
                    if ((await _incoming.Writer.FlushAsync()).IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
            {
                failure = exception is WebSocketException ? exception : null;
            }

            await _incoming.Writer.CompleteAsync(failure);
        }

        private async Task SendAsync()
        {
            try
            {
                while (true)
                {
                    var result = await _outgoing.Reader.ReadAsync(_closing.Token);
                    foreach (var segment in result.Buffer)
                    {
                        await _socket.SendAsync(segment, WebSocketMessageType.Text, endOfMessage: true, _closing.Token);
                    }

                    _outgoing.Reader.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }

                if (_socket.State == WebSocketState.Open)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
            {
                // The connection is going away.
            }

            await _outgoing.Reader.CompleteAsync();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
