using GrainChat.Gateway.Metrics;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Gateway.Operators;

/// <summary>
/// Pushes a small sample every second to admins' connections (<c>admin:stats</c>): the dashboard's charts and
/// tiles are fed by it, so the page never polls the server for them.
/// </summary>
internal sealed class OperatorStatsBroadcaster(OperatorEvents events, ChatTraffic traffic, SiloStatistics silo, ProcessHealth health, TimeProvider time)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastMessages = traffic.MessagesIn;
        var lastCalls = silo.TotalCalls;
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var (messages, calls) = (traffic.MessagesIn, silo.TotalCalls);
                var sample = new OperatorStats(
                    time.GetUtcNow(),
                    traffic.Connections,
                    (messages - lastMessages) / Interval.TotalSeconds,
                    (calls - lastCalls) / Interval.TotalSeconds,
                    silo.Activations,
                    health.CpuPercent(),
                    Environment.WorkingSet);
                (lastMessages, lastCalls) = (messages, calls);
                await events.StatsAsync(sample, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    internal sealed record OperatorStats(
        DateTimeOffset Timestamp, long Connections, double MessagesPerSecond, double CallsPerSecond, int Activations, double CpuPercent, long WorkingSetBytes);
}
