using Microsoft.AspNetCore.Http;

namespace GrainChat.Gateway.Lobby;

/// <summary>
/// The lobby's answers all share one shape, <c>{message, data, did_succeed}</c>; its failures keep it inside
/// the problem document, whatever wrote the problem (a broken rule, a bad body, a 401).
/// </summary>
internal static class LobbyProblemShape
{
    public static void Apply(ProblemDetailsContext context)
    {
        if (!context.HttpContext.Request.Path.StartsWithSegments(LobbyEndpoints.Prefix))
        {
            return;
        }

        context.ProblemDetails.Extensions["message"] = context.ProblemDetails.Detail;
        context.ProblemDetails.Extensions["data"] = null;
        context.ProblemDetails.Extensions["did_succeed"] = false;
    }
}
