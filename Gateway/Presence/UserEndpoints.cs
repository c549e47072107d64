using GrainChat.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Presence;

/// <summary><c>/api/users</c> (everyone registered, with presence) and <c>/api/users/online</c>.</summary>
internal static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization();
        users.MapGet("/", ListAsync);
        users.MapGet("/online", OnlineAsync);
        return app;
    }

    private static async Task<Ok<UserListing[]>> ListAsync(IUserDirectory directory, PresenceService presence)
    {
        var online = await presence.OnlineSetAsync();
        var users = await directory.ListAsync();
        return TypedResults.Ok(users.Select(u => new UserListing(u.Username, online.Contains(u.Username), u.LastSeen)).ToArray());
    }

    private static async Task<Ok<IReadOnlyList<string>>> OnlineAsync(PresenceService presence) =>
        TypedResults.Ok(await presence.OnlineAsync());

    internal sealed record UserListing(string Username, bool Online, DateTimeOffset? LastSeen);
}
