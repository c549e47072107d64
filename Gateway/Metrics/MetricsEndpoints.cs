using GrainChat.Gateway.Operators;
using GrainChat.Gateway.Presence;
using GrainChat.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Metrics;

/// <summary><c>/api/metrics</c>: the chat's counters at a glance.</summary>
internal static class MetricsEndpoints
{
    public const string Path = "/api/metrics";

    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, GetAsync).WithTags("Metrics").RequireAuthorization();
        return app;
    }

    /// <summary>Cluster totals: pings and connections summed over the live Gateway nodes, the rest from shared storage and grains.</summary>
    private static async Task<Ok<ChatMetricsResponse>> GetAsync(
        GatewayNodes nodes, IRoomDirectory rooms, IMessageHistory history, PresenceService presence, TimeProvider time)
    {
        var counters = await nodes.AskAllAsync(node => node.CountersAsync());
        var (pingsTotal, pingsToday, connections) = (counters.Sum(c => c.PingsTotal), counters.Sum(c => c.PingsToday), counters.Sum(c => c.Connections));
        var messages = await history.CountAsync(StartOfToday(time));
        var online = await presence.OnlineAsync();
        return TypedResults.Ok(new ChatMetricsResponse(
            pingsTotal, pingsToday, connections, online.Count, await rooms.CountAsync(), messages.Total, messages.Since));
    }

    private static DateTimeOffset StartOfToday(TimeProvider time) => new(time.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);

    internal sealed record ChatMetricsResponse(
        long TotalPings, long TodayPings, long Connections, int OnlineUsers, long Rooms, long MessagesTotal, long MessagesToday);
}
