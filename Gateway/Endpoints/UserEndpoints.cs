using GrainChat.Chat;
using GrainChat.Grains.Storage;
using GrainChat.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Endpoints;

/// <summary><c>/api/users</c> and <c>/api/users/online</c>.</summary>
internal static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization();
        users.MapGet("/", ListAsync);
        users.MapGet("/online", OnlineAsync);
        return app;
    }

    private static async Task<Ok<UserListing[]>> ListAsync(ChatDirectory directory, IGrainFactory grains)
    {
        var online = (await grains.GetGrain<IPresenceGrain>(IPresenceGrain.Key).GetOnlineAsync()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var users = await directory.ListUsersAsync();
        return TypedResults.Ok(users.Select(u => new UserListing(u.Username, online.Contains(u.Username), u.LastSeen)).ToArray());
    }

    private static async Task<Ok<IReadOnlyList<string>>> OnlineAsync(IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPresenceGrain>(IPresenceGrain.Key).GetOnlineAsync());

    internal sealed record UserListing(string Username, bool Online, DateTimeOffset? LastSeen);
}
