using GrainChat.Chat;
using GrainChat.Gateway.Metrics;
using GrainChat.Grains.Storage;
using GrainChat.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Endpoints;

/// <summary><c>/api/metrics</c>: the chat's counters at a glance.</summary>
internal static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/metrics", GetAsync).WithTags("Metrics").RequireAuthorization();
        return app;
    }

    private static async Task<Ok<ChatMetricsResponse>> GetAsync(ChatTraffic traffic, ChatDirectory directory, MessageLog log, IGrainFactory grains, TimeProvider time)
    {
        var (pingsTotal, pingsToday) = traffic.Pings;
        var (messagesTotal, messagesToday) = await log.CountAsync(UnixTime.StartOfTodayUtc(time));
        var online = await grains.GetGrain<IPresenceGrain>(IPresenceGrain.Key).GetOnlineAsync();
        return TypedResults.Ok(new ChatMetricsResponse(
            pingsTotal, pingsToday, traffic.Connections, online.Count, await directory.CountRoomsAsync(), messagesTotal, messagesToday));
    }

    internal sealed record ChatMetricsResponse(
        long TotalPings, long TodayPings, long Connections, int OnlineUsers, long Rooms, long MessagesTotal, long MessagesToday);
}
