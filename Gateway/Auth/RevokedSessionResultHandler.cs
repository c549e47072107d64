using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace GrainChat.Gateway.Auth;

/// <summary>
/// A token whose session has ended still decodes, so authorization would call it forbidden; it is in fact
/// nobody, so the answer is 401 (challenge), as for no token at all.
/// </summary>
internal sealed class RevokedSessionResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated != true)
        {
            return _default.HandleAsync(next, context, policy, PolicyAuthorizationResult.Challenge());
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
