using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster.Membership;
using GrainChat.Silo.Cluster.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Cluster;

/// <summary>
/// Brings the node into the cluster after the silo has started (schema migrated): silo port first, then the
/// notification connection, then the membership row; heartbeats until stop. On stop it announces ShuttingDown,
/// lets every activation deactivate, and marks itself Dead, so other silos take its grains at once.
/// </summary>
internal sealed partial class ClusterHostedService(
    SiloEndpoint endpoint,
    ClusterNotifications notifications,
    ClusterMembership membership,
    ClusterRouter router,
    Streams.ClusterStreamProvider streams,
    SiloConnections connections,
    Catalog catalog,
    IOptions<ClusterOptions> options,
    ILogger<ClusterHostedService> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _heartbeats;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Created now: the router follows membership from the first view, the streams listen from the start.
        _ = (router, streams);
        await endpoint.StartAsync(cancellationToken).ConfigureAwait(false);
        notifications.Register(MembershipTable.Channel, payload =>
            string.Equals(payload, options.Value.Name, StringComparison.Ordinal) ? membership.RefreshAsync(_stopping.Token) : Task.CompletedTask);
        notifications.Reconnected += () => membership.RefreshAsync(_stopping.Token);
        await notifications.StartAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        await membership.JoinAsync(endpoint.Port, cancellationToken).ConfigureAwait(false);
        _heartbeats = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_heartbeats is not null)
        {
            await _heartbeats.ConfigureAwait(false);
        }

        try
        {
            await membership.AnnounceShutdownAsync(cancellationToken).ConfigureAwait(false);
            await catalog.DeactivateAllAsync(cancellationToken).ConfigureAwait(false);
            await membership.LeaveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogLeaveFailed(logger, exception);
        }

        await connections.DisposeAsync().ConfigureAwait(false);
        await notifications.DisposeAsync().ConfigureAwait(false);
        await endpoint.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Disposed without a stop (the process is going away): heartbeats end, nothing is announced.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_heartbeats is not null)
        {
            await _heartbeats.ConfigureAwait(false);
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await membership.HeartbeatAsync(_stopping.Token).ConfigureAwait(false);
                    router.DeactivateMisplaced();
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogHeartbeatFailed(logger, exception);
                    if (!membership.IsConnected)
                    {
                        // Others may have declared this silo dead and taken its grains: stop serving them.
                        catalog.DeactivateAllNow(new Runtime.DeactivationReason(Runtime.DeactivationReasonCode.PlacementChanged, "Cut off from the membership table"));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leaving the cluster cleanly failed; other silos will declare this one dead")]
    private static partial void LogLeaveFailed(ILogger logger, Exception exception);
}
