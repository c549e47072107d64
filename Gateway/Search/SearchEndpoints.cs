using System.Security.Claims;
using GrainChat.Gateway.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Search;

/// <summary><c>GET /api/search?q=&amp;roomId=&amp;before=&amp;limit=</c>: the caller's messages matching every term, newest first.</summary>
internal static class SearchEndpoints
{
    public static IEndpointRouteBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", SearchAsync).WithTags("Search").RequireAuthorization();
        return app;
    }

    private static async Task<Ok<SearchResponse>> SearchAsync(
        string? q, string? roomId, string? before, int? limit, ClaimsPrincipal principal, SearchService search) =>
        TypedResults.Ok(await search.SearchAsync(principal.Username(), q, roomId, before, limit));
}
