using GrainChat.Gateway.Paging;
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

    private static async Task<Ok<IReadOnlyList<UserListing>>> ListAsync(string? after, int? limit, IUserDirectory directory, PresenceService presence, HttpContext http)
    {
        var page = PageRequest.From(after, limit);
        var users = page.Finish(await directory.ListAsync(page.After, page.Limit + 1), u => u.Username, http);
        var online = await presence.OnlineSetAsync();
        return TypedResults.Ok<IReadOnlyList<UserListing>>(users.Select(u => new UserListing(u.Username, online.Contains(u.Username), u.LastSeen)).ToArray());
    }

    private static async Task<Ok<IReadOnlyList<string>>> OnlineAsync(PresenceService presence) =>
        TypedResults.Ok(await presence.OnlineAsync());

    internal sealed record UserListing(string Username, bool Online, DateTimeOffset? LastSeen);
}
