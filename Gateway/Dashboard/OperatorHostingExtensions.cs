using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Metrics;

namespace GrainChat.Gateway.Dashboard;

internal static class OperatorHostingExtensions
{
    public static IServiceCollection AddGrainChatOperators(this IServiceCollection services)
    {
        services.AddSingleton<TrafficLog>();
        services.AddSingleton<ProcessHealth>();
        services.AddSingleton<PrometheusExporter>();
        services.AddHostedService<AdminStatsBroadcaster>();
        return services;
    }

    /// <summary>The dashboard, the admin API and <c>/metrics</c> (Prometheus text, admins only).</summary>
    public static IEndpointRouteBuilder MapGrainChatOperators(this IEndpointRouteBuilder app)
    {
        app.MapDashboardEndpoints();
        app.MapAdminEndpoints();
        app.MapGet("/metrics", (PrometheusExporter exporter) => TypedResults.Text(exporter.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .WithTags("Operators")
            .RequireAuthorization(ChatClaims.AdminPolicy);
        return app;
    }
}
