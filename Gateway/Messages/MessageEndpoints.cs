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
        messages.MapPatch("/{id:long}", EditAsync);
        messages.MapDelete("/{id:long}", DeleteAsync);
        messages.MapPut("/{id:long}/reactions/{emoji}", (string roomId, long id, string emoji, ClaimsPrincipal principal, MessageService service) => ReactAsync(roomId, id, emoji, on: true, principal, service));
        messages.MapDelete("/{id:long}/reactions/{emoji}", (string roomId, long id, string emoji, ClaimsPrincipal principal, MessageService service) => ReactAsync(roomId, id, emoji, on: false, principal, service));

        var room = app.MapGroup("/api/rooms/{roomId}").WithTags("Messages").RequireAuthorization();
        room.MapPost("/read", MarkReadAsync);
        room.MapGet("/changes", ChangesAsync);
        return app;
    }

    private static async Task<Ok<MessagePage>> HistoryAsync(
        string roomId, long? after, long? before, int? limit, ClaimsPrincipal principal, MessageService messages) =>
        TypedResults.Ok(await messages.HistoryAsync(principal.Username(), roomId, MessageService.Query(after, before, limit)));

    private static async Task<Results<Created<ChatMessage>, Ok<ChatMessage>>> SendAsync(
        string roomId, SendMessageRequest body, ClaimsPrincipal principal, MessageService messages)
    {
        var result = await messages.SendAsync(principal.Username(), roomId, body.Text, body.ClientMessageId, body.ReplyTo);
        return result.Created
            ? TypedResults.Created($"/api/rooms/{roomId}/messages?after={result.Message.Id - 1}&limit=1", result.Message)
            : TypedResults.Ok(result.Message);
    }

    private static async Task<Ok<ChatMessage>> EditAsync(string roomId, long id, EditMessageRequest body, ClaimsPrincipal principal, MessageService messages) =>
        TypedResults.Ok(await messages.EditAsync(principal.Username(), roomId, id, body.Text));

    /// <summary>204 also when the message was already deleted: deleting is idempotent.</summary>
    private static async Task<NoContent> DeleteAsync(string roomId, long id, ClaimsPrincipal principal, MessageService messages)
    {
        await messages.DeleteAsync(principal.Username(), roomId, id, principal.IsAdmin());
        return TypedResults.NoContent();
    }

    private static async Task<Ok<MessageReactions>> ReactAsync(string roomId, long id, string emoji, bool on, ClaimsPrincipal principal, MessageService messages) =>
        TypedResults.Ok(await messages.ReactAsync(principal.Username(), roomId, id, emoji, on));

    private static async Task<Ok<ReadMarker>> MarkReadAsync(string roomId, MarkReadRequest body, ClaimsPrincipal principal, MessageService messages) =>
        TypedResults.Ok(await messages.MarkReadAsync(principal.Username(), roomId, body.MessageId));

    /// <summary>Messages changed (edited, deleted, reacted to) after revision <c>after</c>: a client's catch-up on changes.</summary>
    private static async Task<Ok<ChangesPage>> ChangesAsync(string roomId, long? after, int? limit, ClaimsPrincipal principal, MessageService messages) =>
        TypedResults.Ok(await messages.ChangesAsync(principal.Username(), roomId, after, limit));
}
