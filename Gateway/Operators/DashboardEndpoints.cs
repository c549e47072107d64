using GrainChat.Gateway.Accounts;
using GrainChat.Gateway.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Operators;

/// <summary>
/// <c>/dashboard</c>: the operators' page, served only to admins. Anonymous visitors and non-admins get its
/// sign-in form with 401 / 403; signing in stores the admin's token in an HttpOnly, SameSite=Strict cookie that
/// is honoured only on operator paths.
/// </summary>
internal static class DashboardEndpoints
{
    private const string PageFolder = "Operators/Pages";

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        var dashboard = app.MapGroup("/dashboard").WithTags("Operators").ExcludeFromDescription();
        dashboard.MapGet("/", Page).RequireAuthorization(ChatClaims.AdminPolicy);
        dashboard.MapPost("/session", StartSession).RequireAuthorization(ChatClaims.AdminPolicy);
        dashboard.MapPost("/signout", SignOut).AllowAnonymous();
        return app;
    }

    /// <summary>Anonymous visitors and non-admins of <c>/dashboard</c> get the sign-in form (with 401 / 403).</summary>
    internal sealed class SignInPage : IAuthorizationFailurePage
    {
        public bool Serves(PathString path) =>
            path.Equals("/dashboard", StringComparison.OrdinalIgnoreCase) || path.Equals("/dashboard/", StringComparison.OrdinalIgnoreCase);

        public async Task WriteAsync(HttpContext context, int status)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.SendFileAsync(PagePath("signin.html"));
        }
    }

    private static PhysicalFileHttpResult Page(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.PhysicalFile(PagePath("dashboard.html"), "text/html; charset=utf-8");
    }

    /// <summary>Called with the admin's bearer token in the Authorization header; keeps it as the dashboard cookie.</summary>
    private static NoContent StartSession(HttpContext context)
    {
        var token = context.Request.Headers.Authorization.ToString()["Bearer ".Length..];
        context.Response.Cookies.Append(ChatClaims.TokenCookie, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            IsEssential = true,
        });
        return TypedResults.NoContent();
    }

    /// <summary>Removes the cookie and ends the session its token belonged to, so a copy of the cookie is worth nothing.</summary>
    private static async Task<NoContent> SignOut(HttpContext context, SessionEnder sessions)
    {
        if (context.User.Identity?.IsAuthenticated == true)
        {
            await sessions.EndAsync(context.User.Username(), context.User.SessionIdOf());
        }

        context.Response.Cookies.Delete(ChatClaims.TokenCookie, new CookieOptions { Path = "/" });
        return TypedResults.NoContent();
    }

    private static string PagePath(string file) => Path.Combine(AppContext.BaseDirectory, PageFolder, file);
}
