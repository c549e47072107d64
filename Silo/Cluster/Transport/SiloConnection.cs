using GrainChat.Silo.Activation;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Cluster.Transport;

internal enum FrameKind : byte
{
    Request = 1,
    OneWayRequest = 2,
    Response = 3,
}

/// <summary>A call sent on a connection and waiting for its response frame.</summary>
internal interface IPendingCall
{
    long DeadlineTimestamp { get; }

    void Complete(ReadOnlyMemory<byte> response);

    void Fail(Exception exception);
}

/// <summary>Answers the requests that arrive on a connection.</summary>
internal interface IRequestHandler
{
    void Handle(SiloConnection connection, long callId, bool oneWay, ReadOnlyMemory<byte> request);
}

/// <summary>
/// One long-lived WebSocket between two silos, multiplexing calls both ways: each frame is
/// <c>[MAC 16][kind 1][call id 8][JSON]</c>, calls are matched to responses by id. When the socket ends, every call
/// waiting on it fails at once with <see cref="SiloUnavailableException"/> instead of waiting for its timeout.
/// </summary>
internal sealed partial class SiloConnection
{
    public const int HeaderLength = FrameAuthenticator.MacLength + 1 + sizeof(long);
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    private readonly WebSocket _socket;
    private readonly byte[] _nonce;
    private readonly FrameAuthenticator _authenticator;
    private readonly IRequestHandler _handler;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, IPendingCall> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private long _nextCallId;
    private long _sendNumber;
    private long _receiveNumber;
    private int _closed;

    public SiloConnection(WebSocket socket, SiloAddress remote, byte[] nonce, bool initiator, FrameAuthenticator authenticator, IRequestHandler handler, ILogger logger)
    {
        _socket = socket;
        Remote = remote;
        _nonce = nonce;
        _authenticator = authenticator;
        _handler = handler;
        _logger = logger;
        // Frames are numbered per direction (even from the initiator, odd towards it), so one cannot be reflected back.
        _sendNumber = initiator ? 0 : 1;
        _receiveNumber = initiator ? 1 : 0;
        Completion = Task.WhenAll(Task.Run(ReceiveLoopAsync), Task.Run(SendLoopAsync));
    }

    public SiloAddress Remote { get; }

    public bool IsOpen => Volatile.Read(ref _closed) == 0;

    /// <summary>Completes when the connection has ended, for whatever reason.</summary>
    public Task Completion { get; }

    /// <summary>Sends a request; <paramref name="call"/> (null for one-way) receives the response.</summary>
    public void SendRequest(ReadOnlySpan<byte> request, IPendingCall? call)
    {
        var callId = Interlocked.Increment(ref _nextCallId);
        if (call is not null)
        {
            _pending[callId] = call;
        }

        if (!Enqueue(call is null ? FrameKind.OneWayRequest : FrameKind.Request, callId, request) && call is not null && _pending.TryRemove(callId, out _))
        {
            call.Fail(Unavailable());
        }
    }

    public void SendResponse(long callId, ReadOnlySpan<byte> response) => Enqueue(FrameKind.Response, callId, response);

    /// <summary>Fails, with a timeout, every call whose deadline has passed.</summary>
    public void ExpireOverdue(long nowTimestamp)
    {
        foreach (var (id, call) in _pending)
        {
            if (nowTimestamp >= call.DeadlineTimestamp && _pending.TryRemove(id, out _))
            {
                call.Fail(new TimeoutException($"Silo {Remote} did not answer in time; the grain may be busy with a call cycle or a slow turn."));
            }
        }
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _outgoing.Writer.TryComplete();
        _closing.Cancel();
        _socket.Abort();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var call))
            {
                call.Fail(Unavailable());
            }
        }
    }

    private bool Enqueue(FrameKind kind, long callId, ReadOnlySpan<byte> body)
    {
        var frame = new byte[HeaderLength + body.Length];
        frame[FrameAuthenticator.MacLength] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(FrameAuthenticator.MacLength + 1), callId);
        body.CopyTo(frame.AsSpan(HeaderLength));
        return IsOpen && _outgoing.Writer.TryWrite(frame);
    }

    private async Task SendLoopAsync()
    {
        try
        {
            var reader = _outgoing.Reader;
            while (await reader.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    _authenticator.Sign(_nonce, _sendNumber, frame);
                    _sendNumber += 2;
                    await _socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, _closing.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            Close();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= MaxFrameBytes)
                        {
                            LogRefused(_logger, Remote.ToString(), "frame too large");
                            return;
                        }

                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _closing.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (length < HeaderLength || !_authenticator.Verify(_nonce, _receiveNumber, buffer.AsSpan(0, length)))
                {
                    LogRefused(_logger, Remote.ToString(), "a frame failed authentication");
                    return;
                }

                _receiveNumber += 2;
                var kind = (FrameKind)buffer[FrameAuthenticator.MacLength];
                var callId = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(FrameAuthenticator.MacLength + 1));
                var body = buffer.AsSpan(HeaderLength, length - HeaderLength).ToArray();
                if (kind == FrameKind.Response)
                {
                    if (_pending.TryRemove(callId, out var call))
                    {
                        call.Complete(body);
                    }
                }
                else
                {
                    _handler.Handle(this, callId, kind == FrameKind.OneWayRequest, body);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            Close();
        }
    }

    private SiloUnavailableException Unavailable() => new($"The connection to silo {Remote} is closed; the call may or may not have run there.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the connection with silo {Silo}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string silo, string reason);
}
