using System.Security.Claims;

namespace GrainChat.Gateway.Auth;

internal static class ChatClaims
{
    public const string SessionId = "grainchat:sid";
    public const string AdminRole = "admin";
    public const string AdminPolicy = "admin";

    /// <summary>
    /// The HttpOnly cookie that can carry a token where a page cannot set a header (the operators' dashboard); read
    /// only on the paths in <see cref="TokenSourceOptions.CookiePaths"/>.
    /// </summary>
    public const string TokenCookie = "GrainChat.Dashboard";

    public static string Username(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.Name) ?? throw new InvalidOperationException("The request is not authenticated.");

    public static string SessionIdOf(this ClaimsPrincipal user) =>
        user.FindFirstValue(SessionId) ?? throw new InvalidOperationException("The token carries no session.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(AdminRole);
}
