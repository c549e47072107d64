using GrainChat.Gateway.Activity;
using GrainChat.Gateway.Metrics;
using GrainChat.Gateway.Realtime;
using GrainChat.Runtime;

namespace GrainChat.Gateway.Operators;

[SiloBound]
internal sealed class GatewayNodeGrain(ConnectionRegistry connections, TrafficLog log, ChatTraffic traffic) : Grain, IGatewayNodeGrain
{
    public Task<IReadOnlyList<ConnectionView>> ConnectionsAsync() =>
        Task.FromResult<IReadOnlyList<ConnectionView>>([.. connections.All.Select(c => c.ToView())]);

    public Task<bool> DisconnectAsync(string connectionId)
    {
        if (connections.Find(connectionId) is not { } connection)
        {
            return Task.FromResult(false);
        }

        connection.Context.Abort();
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<TrafficEntry>> LogsAsync(string? room, string? user, int limit) => Task.FromResult(log.Read(room, user, limit));

    public Task ClearLogsAsync()
    {
        log.Clear();
        return Task.CompletedTask;
    }

    public Task<NodeCounters> CountersAsync()
    {
        var (total, today) = traffic.Pings;
        return Task.FromResult(new NodeCounters(total, today, traffic.Connections));
    }
}
