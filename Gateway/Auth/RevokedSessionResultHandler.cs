using GrainChat.Gateway.Dashboard;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace GrainChat.Gateway.Auth;

/// <summary>
/// Two refinements of the default authorization answers. A token whose session has ended still decodes, so
/// authorization would call it forbidden; it is in fact nobody, so the answer is 401, as for no token at all.
/// And on <c>/dashboard</c> a 401 or 403 carries the dashboard's sign-in form as its body.
/// </summary>
internal sealed class RevokedSessionResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated != true)
        {
            authorizeResult = PolicyAuthorizationResult.Challenge();
        }

        if (!authorizeResult.Succeeded && DashboardEndpoints.IsDashboardPage(context.Request.Path))
        {
            await DashboardEndpoints.WriteSignInPageAsync(context, authorizeResult.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
