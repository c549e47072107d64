using Microsoft.AspNetCore.Http.Json;

namespace GrainChat.Gateway.Errors;

internal static class ErrorHandlingExtensions
{
    public static IServiceCollection AddGrainChatErrors(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ChatExceptionHandler>();

        // Unreadable bodies and parameters throw, so that ChatExceptionHandler can say what was wrong.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => options.SerializerOptions.AllowTrailingCommas = false);
        return services;
    }
}
