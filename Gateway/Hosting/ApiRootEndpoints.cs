namespace GrainChat.Gateway.Hosting;

internal static class ApiRootEndpoints
{
    public static IEndpointRouteBuilder MapApiRoot(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/", () => TypedResults.Ok(new ApiStatus("Chat API is running")))
            .WithName("ApiStatus");
        return app;
    }

    internal sealed record ApiStatus(string Message);
}
