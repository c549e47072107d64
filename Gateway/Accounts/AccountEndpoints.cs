using System.Security.Claims;
using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Errors;
using GrainChat.Gateway.Limits;
using GrainChat.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Accounts;

/// <summary><c>/api/register</c>, <c>/api/login</c>, <c>/api/logout</c>, <c>/api/me</c>.</summary>
internal static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Account");
        api.MapPost("/register", RegisterAsync).AllowAnonymous();
        api.MapPost("/login", LoginAsync).AllowAnonymous();
        api.MapPost("/logout", LogoutAsync).RequireAuthorization();
        api.MapGet("/me", MeAsync).RequireAuthorization();
        return app;
    }

    private static async Task<Created<RegisterResponse>> RegisterAsync(
        Credentials body, HttpContext http, IGrainFactory grains, TokenIssuer tokens, AdminBootstrap admins, ChatRateLimits limits, LoginAddresses known)
    {
        // Checked here as well as in the grain: the name is the grain's key, so a bad one must not reach it.
        ChatLimits.ValidateUsername(body.Username);
        if (admins.IsReserved(body.Username!))
        {
            throw ChatException.Forbidden($"'{body.Username}' is reserved for an administrator; operators create that account");
        }

        limits.RegistrationsByAddress.ThrowIfOver(ClientAddress(http));
        var user = grains.GetUserGrain(body.Username!);
        var profile = await user.RegisterAsync(body.Username!, body.Password!);
        known.Remember(profile.Username, ClientAddress(http));
        var session = await user.OpenSessionAsync();
        return TypedResults.Created("/api/me", new RegisterResponse(new UserSummary(profile.Username, profile.CreatedAt), tokens.Issue(session)));
    }

    /// <summary>
    /// Every attempt counts against the client address; failures count against the username too, and a username
    /// that has run out is refused (429) except from an address it has registered or logged in from before.
    /// </summary>
    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        Credentials body, HttpContext http, IGrainFactory grains, TokenIssuer tokens, ChatRateLimits limits, LoginAddresses known)
    {
        var address = ClientAddress(http);
        limits.LoginsByAddress.ThrowIfOver(address);

        // One answer for a malformed name, an unknown user and a wrong password.
        if (!ChatLimits.IsValidUsername(body.Username) || string.IsNullOrEmpty(body.Password) || body.Password.Length > ChatLimits.PasswordMaxLength)
        {
            return InvalidCredentials();
        }

        var userKey = ChatKeys.UserKey(body.Username!);
        if (limits.FailedLoginsByUsername.IsExhausted(userKey, out var wait) && !known.IsKnown(userKey, address))
        {
            throw new RateLimitedException(wait, "Too many failed logins for this username");
        }

        var user = grains.GetUserGrain(body.Username!);
        if (await user.VerifyPasswordAsync(body.Password) is not { } profile)
        {
            limits.FailedLoginsByUsername.Take(userKey);
            return InvalidCredentials();
        }

        known.Remember(userKey, address);
        var session = await user.OpenSessionAsync();
        return TypedResults.Ok(new LoginResponse("success", tokens.Issue(session), new UserSummary(profile.Username, profile.CreatedAt)));
    }

    private static async Task<Ok<MessageResponse>> LogoutAsync(ClaimsPrincipal principal, SessionEnder sessions)
    {
        await sessions.EndAsync(principal.Username(), principal.SessionIdOf());
        return TypedResults.Ok(new MessageResponse("Logged out"));
    }

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> MeAsync(ClaimsPrincipal principal, IGrainFactory grains)
    {
        var profile = await grains.GetUserGrain(principal.Username()).GetProfileAsync();
        if (profile is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, detail: "The account no longer exists");
        }

        var lobby = await grains.GetLobbyPlayerGrain(profile.Username).GetStatusAsync();
        return TypedResults.Ok(new MeResponse(profile.Username, principal.IsAdmin(), profile.Rooms, lobby));
    }

    private static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "Invalid username or password");

    internal sealed record Credentials(string? Username, string? Password);

    internal sealed record UserSummary(string Username, DateTimeOffset CreatedAt);

    internal sealed record RegisterResponse(UserSummary User, string Token);

    internal sealed record LoginResponse(string Status, string Token, UserSummary User);

    internal sealed record MeResponse(string Username, bool IsAdmin, IReadOnlyList<string> Rooms, GrainChat.Lobby.LobbyStatus Lobby);
}

internal sealed record MessageResponse(string Message);
