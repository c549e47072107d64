using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace GrainChat.Gateway.Auth;

/// <summary>
/// Two refinements of the default authorization answers. A token whose session has ended still decodes, so
/// authorization would call it forbidden; it is in fact nobody, so the answer is 401, as for no token at all.
/// And where a feature registered an <see cref="IAuthorizationFailurePage"/>, a 401 or 403 is that page.
/// </summary>
internal sealed class ChatAuthorizationResultHandler(IEnumerable<IAuthorizationFailurePage> pages) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();
    private readonly IAuthorizationFailurePage[] _pages = [.. pages];

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated != true)
        {
            authorizeResult = PolicyAuthorizationResult.Challenge();
        }

        if (!authorizeResult.Succeeded && _pages.FirstOrDefault(p => p.Serves(context.Request.Path)) is { } page)
        {
            await page.WriteAsync(context, authorizeResult.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
