using GrainChat.Silo.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace GrainChat.Gateway.Hosting;

internal static class HealthCheckExtensions
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddGrainChatHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag]);
        return services;
    }

    /// <summary><c>/health</c>: ready (storage reachable). <c>/alive</c>: the process answers.</summary>
    public static IEndpointRouteBuilder MapGrainChatHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = _ => false });
        return app;
    }
}
