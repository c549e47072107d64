using System.Security.Claims;
using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Messages;
using GrainChat.Gateway.Paging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.DirectMessages;

/// <summary><c>/api/dm</c>: direct conversations. Their history is read through the room messages route.</summary>
internal static class DirectMessageEndpoints
{
    public static IEndpointRouteBuilder MapDirectMessageEndpoints(this IEndpointRouteBuilder app)
    {
        var dm = app.MapGroup("/api/dm").WithTags("Direct messages").RequireAuthorization();
        dm.MapGet("/", ListAsync);
        dm.MapPost("/{username}/messages", SendAsync);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<DirectConversation>>> ListAsync(
        string? after, int? limit, ClaimsPrincipal principal, DirectMessageService directMessages, HttpContext http)
    {
        var page = PageRequest.From(after, limit);
        return TypedResults.Ok(page.Finish(await directMessages.ListAsync(principal.Username(), page), c => c.RoomId, http));
    }

    private static async Task<Results<Created<ChatMessage>, Ok<ChatMessage>>> SendAsync(
        string username, SendMessageRequest body, ClaimsPrincipal principal, DirectMessageService directMessages)
    {
        var result = await directMessages.SendAsync(principal.Username(), username, body.Text, body.ClientMessageId);
        return result.Created
            ? TypedResults.Created($"/api/rooms/{result.Message.RoomId}/messages", result.Message)
            : TypedResults.Ok(result.Message);
    }
}
