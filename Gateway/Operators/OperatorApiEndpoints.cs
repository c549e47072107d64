using GrainChat.Chat;
using System.Diagnostics;
using System.Runtime;
using GrainChat.Gateway.Activity;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Realtime;
using GrainChat.Silo.Cluster;
using GrainChat.Silo.Cluster.Membership;
using GrainChat.Silo.Persistence;
using GrainChat.Silo.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Operators;

/// <summary><c>/api/admin/*</c>: what operators see and do. Admins only (401 anonymous, 403 everyone else).</summary>
internal static class OperatorApiEndpoints
{
    public const string Prefix = "/api/admin";
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public static IEndpointRouteBuilder MapOperatorApiEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup(Prefix).WithTags("Operators").RequireAuthorization(ChatClaims.AdminPolicy);
        admin.MapGet("/connections", Connections);
        admin.MapGet("/logs", Logs);
        admin.MapPost("/logs/clear", ClearLogs);
        admin.MapPost("/disconnect/{connectionId}", Disconnect);
        admin.MapGet("/grains", Grains);
        admin.MapGet("/silo", SiloAsync);
        admin.MapGet("/silos", Silos);
        return app;
    }

    /// <summary>A page of the connections of every Gateway node (newest first), optionally for one user; <c>count</c> is the total matching.</summary>
    private static async Task<Ok<ConnectionsResponse>> Connections(GatewayNodes nodes, string? user, int? offset, int? limit)
    {
        var matching = (await nodes.AskAllAsync(node => node.ConnectionsAsync()))
            .SelectMany(list => list)
            .Where(c => user is null || ChatKeys.SameUser(c.Username, user))
            .OrderByDescending(c => c.ConnectedAt)
            .ToArray();
        var page = matching.Skip(Math.Max(0, offset ?? 0)).Take(PageSize(limit)).ToArray();
        return TypedResults.Ok(new ConnectionsResponse(matching.Length, page));
    }

    /// <summary>The newest entries of every node's traffic log, merged by time (oldest first).</summary>
    private static async Task<Ok<LogsResponse>> Logs(GatewayNodes nodes, string? room, string? user, int? limit)
    {
        var take = Math.Clamp(limit ?? TrafficLog.Capacity, 1, TrafficLog.Capacity);
        var entries = (await nodes.AskAllAsync(node => node.LogsAsync(room, user, take)))
            .SelectMany(list => list)
            .OrderBy(e => e.Timestamp)
            .TakeLast(take)
            .ToArray();
        return TypedResults.Ok(new LogsResponse(entries.Length, entries));
    }

    private static async Task<Ok<StatusResponse>> ClearLogs(GatewayNodes nodes)
    {
        await nodes.AskAllAsync(async node =>
        {
            await node.ClearLogsAsync();
            return true;
        });
        return TypedResults.Ok(new StatusResponse("cleared"));
    }

    /// <summary>Closes the connection on whichever Gateway node holds it.</summary>
    private static async Task<Results<Ok<DisconnectResponse>, ProblemHttpResult>> Disconnect(string connectionId, GatewayNodes nodes)
    {
        if (!(await nodes.AskAllAsync(node => node.DisconnectAsync(connectionId))).Contains(true))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: $"No connection '{connectionId}' on any node");
        }

        return TypedResults.Ok(new DisconnectResponse("disconnected", connectionId));
    }

    /// <summary>Every member of the cluster with its status and last reported load (this node alone when not clustered).</summary>
    private static Ok<SilosResponse> Silos(ClusterInfo cluster, SiloStatistics statistics, ProcessHealth health)
    {
        if (!cluster.IsClustered)
        {
            var self = new SiloView(
                cluster.LocalSilo, "Active", GatewayNodes.Role, true, Environment.MachineName,
                DateTimeOffset.UtcNow - statistics.Uptime, DateTimeOffset.UtcNow,
                new SiloLoad(health.CpuPercent(), Environment.WorkingSet, statistics.Activations, statistics.TotalCalls, 0, statistics.ActivationsByType()));
            return TypedResults.Ok(new SilosResponse(false, cluster.LocalSilo, [self]));
        }

        var members = cluster.Members
            .Select(m => new SiloView(m.Silo.ToString(), m.Status.ToString(), m.Role, m.HostsGrains, m.HostName, m.StartedAt, m.LastHeartbeat, m.Load))
            .ToArray();
        return TypedResults.Ok(new SilosResponse(true, cluster.LocalSilo, members));
    }

    private static Ok<GrainsResponse> Grains(SiloStatistics statistics)
    {
        var methods = statistics.Methods();
        var types = statistics.ActivationsByType()
            .Select(type => new GrainTypeView(type.Key, type.Value, methods.Where(m => m.GrainType == type.Key).ToArray()))
            .OrderBy(t => t.GrainType, StringComparer.Ordinal)
            .ToArray();
        return TypedResults.Ok(new GrainsResponse(statistics.Activations, types));
    }

    private static async Task<Ok<SiloResponse>> SiloAsync(SiloStatistics statistics, IStorageHealth storage, ProcessHealth health, StreamHubBridge bridge)
    {
        var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        ThreadPool.GetAvailableThreads(out var availableWorkers, out _);
        ThreadPool.GetMaxThreads(out var maxWorkers, out _);
        string storageHealth;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await storage.PingAsync(timeout.Token);
            storageHealth = "Healthy";
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            storageHealth = $"Unhealthy: {exception.GetType().Name}";
        }

        return TypedResults.Ok(new SiloResponse(
            CpuPercent: health.CpuPercent(),
            WorkingSetBytes: process.WorkingSet64,
            ManagedHeapBytes: GC.GetTotalMemory(forceFullCollection: false),
            GcHeapSizeBytes: gc.HeapSizeBytes,
            Gen0Collections: GC.CollectionCount(0),
            Gen1Collections: GC.CollectionCount(1),
            Gen2Collections: GC.CollectionCount(2),
            ServerGc: GCSettings.IsServerGC,
            ThreadPoolThreads: ThreadPool.ThreadCount,
            ThreadPoolBusyWorkers: maxWorkers - availableWorkers,
            ThreadPoolQueueLength: ThreadPool.PendingWorkItemCount,
            UptimeSeconds: Math.Round(statistics.Uptime.TotalSeconds),
            Activations: statistics.Activations,
            QueuedCalls: statistics.QueuedCalls,
            StreamSubscriptions: statistics.StreamSubscriptions,
            StreamEventsDropped: statistics.StreamEventsDropped,
            HubStreamBridges: bridge.SubscriptionCount,
            StorageProvider: statistics.StorageProvider,
            StorageHealth: storageHealth,
            ProcessorCount: Environment.ProcessorCount));
    }

    private static int PageSize(int? limit) => Math.Clamp(limit ?? DefaultPageSize, 1, MaxPageSize);

    internal sealed record ConnectionsResponse(int Count, IReadOnlyList<ConnectionView> Connections);

    internal sealed record SiloView(
        string Silo, string Status, string Role, bool HostsGrains, string HostName, DateTimeOffset StartedAt, DateTimeOffset LastHeartbeat, SiloLoad? Load);

    internal sealed record SilosResponse(bool Clustered, string Self, IReadOnlyList<SiloView> Silos);

    internal sealed record LogsResponse(int Count, IReadOnlyList<TrafficEntry> Logs);

    internal sealed record StatusResponse(string Status);

    internal sealed record DisconnectResponse(string Status, string ConnectionId);

    internal sealed record GrainTypeView(string GrainType, int Activations, IReadOnlyList<MethodStatisticsSnapshot> Methods);

    internal sealed record GrainsResponse(int Activations, IReadOnlyList<GrainTypeView> GrainTypes);

    internal sealed record SiloResponse(
        double CpuPercent, long WorkingSetBytes, long ManagedHeapBytes, long GcHeapSizeBytes,
        int Gen0Collections, int Gen1Collections, int Gen2Collections, bool ServerGc,
        int ThreadPoolThreads, int ThreadPoolBusyWorkers, long ThreadPoolQueueLength, double UptimeSeconds,
        int Activations, long QueuedCalls, long StreamSubscriptions, long StreamEventsDropped, int HubStreamBridges,
        string StorageProvider, string StorageHealth, int ProcessorCount);
}
