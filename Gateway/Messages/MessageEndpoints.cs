using System.Security.Claims;
using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Messages;

/// <summary><c>/api/rooms/{roomId}/messages</c>: a room's history and sending to it (direct conversations included).</summary>
internal static class MessageEndpoints
{
    public static IEndpointRouteBuilder MapMessageEndpoints(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/api/rooms/{roomId}/messages").WithTags("Messages").RequireAuthorization();
        messages.MapGet("/", HistoryAsync);
        messages.MapPost("/", SendAsync);
        return app;
    }

    private static async Task<Ok<MessagePage>> HistoryAsync(
        string roomId, long? after, long? before, int? limit, ClaimsPrincipal principal, MessageService messages) =>
        TypedResults.Ok(await messages.HistoryAsync(principal.Username(), roomId, MessageService.Query(after, before, limit)));

    private static async Task<Results<Created<ChatMessage>, Ok<ChatMessage>>> SendAsync(
        string roomId, SendMessageRequest body, ClaimsPrincipal principal, MessageService messages)
    {
        var result = await messages.SendAsync(principal.Username(), roomId, body.Text, body.ClientMessageId);
        return result.Created
            ? TypedResults.Created($"/api/rooms/{roomId}/messages?after={result.Message.Id - 1}&limit=1", result.Message)
            : TypedResults.Ok(result.Message);
    }
}
