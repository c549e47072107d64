using GrainChat.Gateway.Activity;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Metrics;
using GrainChat.Gateway.Realtime;
using GrainChat.Silo.Hosting;

namespace GrainChat.Gateway.Operators;

internal static class OperatorsServiceCollectionExtensions
{
    private const string PrometheusPath = "/metrics";

    public static IServiceCollection AddOperators(this IServiceCollection services)
    {
        services.AddSingleton<OperatorEvents>();
        services.AddSingleton<IChatActivityObserver>(sp => sp.GetRequiredService<OperatorEvents>());
        services.AddSingleton<TrafficLog>();
        services.AddSingleton<IChatActivityObserver>(sp => sp.GetRequiredService<TrafficLog>());
        services.AddSingleton<ProcessHealth>();
        services.AddSingleton<GatewayNodes>();
        services.AddGrainClasses(typeof(GatewayNodeGrain));
        services.AddSingleton<PrometheusExporter>();
        services.AddSingleton<IAuthorizationFailurePage, DashboardEndpoints.SignInPage>();
        services.AddHostedService<OperatorStatsBroadcaster>();

        // The dashboard page cannot set a header: its token travels in the HttpOnly cookie, honoured only here.
        services.Configure<TokenSourceOptions>(sources => sources.CookiePaths.AddRange(
            ["/dashboard", OperatorApiEndpoints.Prefix, MetricsEndpoints.Path, PrometheusPath, ChatHub.Path]));
        return services;
    }

    /// <summary>The dashboard, the operators' API and <c>/metrics</c> (Prometheus text, admins only).</summary>
    public static IEndpointRouteBuilder MapOperators(this IEndpointRouteBuilder app)
    {
        app.MapDashboardEndpoints();
        app.MapOperatorApiEndpoints();

        // Made with the app, not at the first scrape: its listener counts from start-up, as a counter's total must.
        var exporter = app.ServiceProvider.GetRequiredService<PrometheusExporter>();
        app.MapGet(PrometheusPath, () => TypedResults.Text(exporter.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .WithTags("Operators")
            .RequireAuthorization(ChatClaims.AdminPolicy);
        return app;
    }
}
