using System.Security.Claims;
using GrainChat.Chat;
using GrainChat.Gateway.Auth;
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

    private static async Task<Created<RegisterResponse>> RegisterAsync(Credentials body, IGrainFactory grains, TokenIssuer tokens, AdminBootstrap admins)
    {
        // Checked here as well as in the grain: the name is the grain's key, so a bad one must not reach it.
        ChatLimits.ValidateUsername(body.Username);
        if (admins.IsReserved(body.Username!))
        {
            throw ChatException.Forbidden($"'{body.Username}' is reserved for an administrator; operators create that account");
        }

        var user = grains.GetUserGrain(body.Username!);
        var profile = await user.RegisterAsync(body.Username!, body.Password!);
        var session = await user.OpenSessionAsync();
        return TypedResults.Created("/api/me", new RegisterResponse(new UserSummary(profile.Username, profile.CreatedAt), tokens.Issue(session)));
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(Credentials body, IGrainFactory grains, TokenIssuer tokens)
    {
        // One answer for a malformed name, an unknown user and a wrong password.
        if (!ChatLimits.IsValidUsername(body.Username) || string.IsNullOrEmpty(body.Password) || body.Password.Length > ChatLimits.PasswordMaxLength)
        {
            return InvalidCredentials();
        }

        var user = grains.GetUserGrain(body.Username!);
        if (await user.LoginAsync(body.Password) is not { } session)
        {
            return InvalidCredentials();
        }

        var profile = await user.GetProfileAsync();
        return TypedResults.Ok(new LoginResponse("success", tokens.Issue(session), new UserSummary(profile!.Username, profile.CreatedAt)));
    }

    /// <summary>The session ends (its token stops working, its connections close) and its connections stop counting for presence.</summary>
    private static async Task<Ok<MessageResponse>> LogoutAsync(ClaimsPrincipal principal, IGrainFactory grains)
    {
        var (username, sessionId) = (principal.Username(), principal.SessionIdOf());
        await grains.GetUserGrain(username).LogoutAsync(sessionId);
        await grains.GetPresenceGrain(username).SessionEndedAsync(sessionId);
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

    private static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "Invalid username or password");

    internal sealed record Credentials(string? Username, string? Password);

    internal sealed record UserSummary(string Username, DateTimeOffset CreatedAt);

    internal sealed record RegisterResponse(UserSummary User, string Token);

    internal sealed record LoginResponse(string Status, string Token, UserSummary User);

    internal sealed record MeResponse(string Username, bool IsAdmin, IReadOnlyList<string> Rooms, GrainChat.Lobby.LobbyStatus Lobby);
}

internal sealed record MessageResponse(string Message);
