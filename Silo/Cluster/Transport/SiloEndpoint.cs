using System.Net;
using System.Text.Json;
using GrainChat.Silo.Cluster.Membership;
using GrainChat.Silo.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Cluster.Transport;

/// <summary>
/// The silo port: a small Kestrel server of its own, apart from any public URLs, that accepts silo connections
/// (<c>/silo/connect</c>) and answers health checks (<c>/silo/health</c>).
/// </summary>
internal sealed class SiloEndpoint(
    SiloConnections connections,
    ClusterMembership membership,
    SiloStatistics statistics,
    IOptions<ClusterOptions> options,
    ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The port it listens on (the configured one, or the one picked when that was 0).</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "GrainChat.SiloEndpoint" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Any, options.Value.SiloPort));
        builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        builder.Services.AddRouting();
        var app = builder.Build();
        app.UseWebSockets();
        app.Map(SiloConnections.ConnectPath, connections.AcceptAsync);
        app.MapGet("/silo/health", () => Results.Json(
            new { status = membership.IsConnected ? "Healthy" : "Unhealthy", silo = membership.Self.ToString(), activations = statistics.Activations },
            JsonSerializerOptions.Web,
            statusCode: membership.IsConnected ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
    }

    public async ValueTask DisposeAsync()
    {
        // Connections first: Kestrel would otherwise wait for the open WebSocket requests to end.
        await connections.DisposeAsync().ConfigureAwait(false);
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
