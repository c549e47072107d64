using GrainChat.Silo.Activation;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using GrainChat.Silo.Cluster.Membership;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Cluster.Transport;

/// <summary>
/// The silo-to-silo connections of this node: at most one open WebSocket per remote silo, used for calls in both
/// directions whichever side opened it. Opening one takes a handshake proving knowledge of the cluster key; a
/// connection to a silo the membership declares dead is closed, failing its waiting calls at once.
/// </summary>
internal sealed partial class SiloConnections : IAsyncDisposable
{
    public const string ConnectPath = "/silo/connect";
    private const string ClusterHeader = "X-GrainChat-Cluster";
    private const string SiloHeader = "X-GrainChat-Silo";
    private const string NonceHeader = "X-GrainChat-Nonce";
    private const string ProofHeader = "X-GrainChat-Proof";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<SiloAddress, Task<SiloConnection>> _connections = new();
    private readonly FrameAuthenticator _authenticator;
    private readonly ClusterMembership _membership;
    private readonly IServiceProvider _services;
    private readonly string _cluster;
    private readonly ILogger _logger;
    private readonly Timer _sweeper;

    public SiloConnections(ClusterMembership membership, IServiceProvider services, IOptions<ClusterOptions> options, ILogger<SiloConnections> logger)
    {
        _membership = membership;
        _services = services;
        _cluster = options.Value.Name;
        _authenticator = new FrameAuthenticator(options.Value.Key ?? "");
        _logger = logger;
        _sweeper = new Timer(_ => ExpireOverdueCalls(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    private IRequestHandler Handler => _services.GetRequiredService<ClusterRouter>();

    /// <summary>The open connection to <paramref name="silo"/>, opening one if needed; fails fast when it cannot be reached.</summary>
    public async Task<SiloConnection> GetAsync(SiloAddress silo)
    {
        while (true)
        {
            var pending = _connections.GetOrAdd(silo, ConnectAsync);
            SiloConnection connection;
            try
            {
                connection = await pending.ConfigureAwait(false);
            }
            catch
            {
                _connections.TryRemove(new(silo, pending));
                throw;
            }

            if (connection.IsOpen)
            {
                return connection;
            }

            _connections.TryRemove(new(silo, pending));
        }
    }

    /// <summary>Closes the connection to a silo that left or died.</summary>
    public void Drop(SiloAddress silo)
    {
        if (_connections.TryRemove(silo, out var pending) && pending.IsCompletedSuccessfully)
        {
            pending.Result.Close();
        }
    }

    /// <summary>Accepts a connection from another silo on the silo endpoint; returns when it closes.</summary>
    public async Task AcceptAsync(HttpContext context)
    {
        var request = context.Request;
        if (!context.WebSockets.IsWebSocketRequest
            || !string.Equals(request.Headers[ClusterHeader], _cluster, StringComparison.Ordinal)
            || !TryParse(request.Headers[SiloHeader], out var caller)
            || !TryHex(request.Headers[NonceHeader], out var callerNonce)
            || !string.Equals(request.Headers[ProofHeader], _authenticator.HandshakeProof(callerNonce, caller.ToString()), StringComparison.Ordinal))
        {
            LogRefusedHandshake(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "?");
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var ownNonce = FrameAuthenticator.NewNonce();
        context.Response.Headers[NonceHeader] = Convert.ToHexString(ownNonce);
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var connection = new SiloConnection(socket, caller, [.. callerNonce, .. ownNonce], initiator: false, _authenticator, Handler, _logger);
        _ = _connections.AddOrUpdate(
            caller,
            Task.FromResult(connection),
            (_, existing) => existing.IsCompletedSuccessfully && existing.Result.IsOpen ? existing : Task.FromResult(connection));
        await connection.Completion.ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _sweeper.Dispose();
        foreach (var silo in _connections.Keys)
        {
            Drop(silo);
        }

        return ValueTask.CompletedTask;
    }

    private async Task<SiloConnection> ConnectAsync(SiloAddress silo)
    {
        if (_membership.View.IsDead(silo) && _membership.View.Members.Count > 0)
        {
            throw new SiloUnavailableException($"Silo {silo} is not a live member of the cluster.");
        }

        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(5);
        var self = _membership.Self.ToString();
        var ownNonce = FrameAuthenticator.NewNonce();
        socket.Options.SetRequestHeader(ClusterHeader, _cluster);
        socket.Options.SetRequestHeader(SiloHeader, self);
        socket.Options.SetRequestHeader(NonceHeader, Convert.ToHexString(ownNonce));
        socket.Options.SetRequestHeader(ProofHeader, _authenticator.HandshakeProof(ownNonce, self));
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{silo.Endpoint}{ConnectPath}"), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or HttpRequestException)
        {
            socket.Dispose();
            throw new SiloUnavailableException($"Silo {silo} cannot be reached: {exception.Message}");
        }

        if (socket.HttpResponseHeaders?.TryGetValue(NonceHeader, out var values) != true || !TryHex(values!.FirstOrDefault(), out var theirNonce))
        {
            socket.Abort();
            throw new SiloUnavailableException($"Silo {silo} did not complete the handshake.");
        }

        LogConnected(_logger, silo.ToString());
        return new SiloConnection(socket, silo, [.. ownNonce, .. theirNonce], initiator: true, _authenticator, Handler, _logger);
    }

    private void ExpireOverdueCalls()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var pending in _connections.Values)
        {
            if (pending.IsCompletedSuccessfully)
            {
                pending.Result.ExpireOverdue(now);
            }
        }
    }

    private static bool TryParse(string? text, out SiloAddress silo)
    {
        try
        {
            silo = SiloAddress.Parse(text ?? "");
            return true;
        }
        catch (FormatException)
        {
            silo = null!;
            return false;
        }
    }

    private static bool TryHex(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null || text.Length != FrameAuthenticator.NonceLength * 2)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connected to silo {Silo}")]
    private static partial void LogConnected(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a silo connection from {Address}: wrong cluster or key")]
    private static partial void LogRefusedHandshake(ILogger logger, string address);
}
