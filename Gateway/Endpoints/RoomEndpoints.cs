using System.Security.Claims;
using System.Security.Cryptography;
using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Chat;
using GrainChat.Grains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrainChat.Gateway.Endpoints;

/// <summary><c>/api/rooms</c>: listing, creating, joining, leaving, members and messages.</summary>
internal static class RoomEndpoints
{
    public static IEndpointRouteBuilder MapRoomEndpoints(this IEndpointRouteBuilder app)
    {
        var rooms = app.MapGroup("/api/rooms").WithTags("Rooms").RequireAuthorization();
        rooms.MapGet("/", ListAsync);
        rooms.MapPost("/", CreateAsync);
        rooms.MapGet("/{roomId}", GetAsync);
        rooms.MapPost("/{roomId}/join", JoinAsync);
        rooms.MapPost("/{roomId}/leave", LeaveAsync);
        rooms.MapGet("/{roomId}/members", MembersAsync);
        rooms.MapGet("/{roomId}/messages", MessagesAsync);
        rooms.MapPost("/{roomId}/messages", SendAsync);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<RoomSummary>>> ListAsync(bool? joined, ClaimsPrincipal principal, ChatDirectory directory, ChatService chat)
    {
        var rooms = await directory.ListRoomsAsync();
        if (joined == true)
        {
            var mine = (await chat.User(principal.Username()).GetProfileAsync())?.Rooms.ToHashSet(StringComparer.Ordinal) ?? [];
            rooms = rooms.Where(r => mine.Contains(r.RoomId)).ToArray();
        }

        return TypedResults.Ok(rooms);
    }

    private static async Task<Created<RoomSummary>> CreateAsync(CreateRoomRequest body, ClaimsPrincipal principal, ChatService chat)
    {
        var name = ChatLimits.ValidateRoomName(body.RoomName);
        var roomId = RandomNumberGenerator.GetHexString(16, lowercase: true);
        var room = await chat.Room(roomId).CreateAsync(name, principal.Username());
        return TypedResults.Created($"/api/rooms/{roomId}", room.ToSummary());
    }

    private static async Task<Ok<RoomDetails>> GetAsync(string roomId, ChatService chat)
    {
        var room = await chat.Room(roomId).GetInfoAsync();
        var members = await chat.MembersAsync(room);
        return TypedResults.Ok(new RoomDetails(room.RoomId, room.RoomName, room.Members.Count, room.CreatedBy, room.CreatedAt, members));
    }

    private static async Task<Ok<JoinResponse>> JoinAsync(string roomId, ClaimsPrincipal principal, ChatService chat)
    {
        var room = await chat.JoinAsync(principal.Username(), roomId);
        return TypedResults.Ok(new JoinResponse("joined", room.RoomId, room.RoomName));
    }

    private static async Task<Ok<LeaveResponse>> LeaveAsync(string roomId, ClaimsPrincipal principal, ChatService chat)
    {
        await chat.LeaveAsync(principal.Username(), roomId);
        return TypedResults.Ok(new LeaveResponse("left", roomId));
    }

    private static async Task<Ok<IReadOnlyList<MemberPresence>>> MembersAsync(string roomId, ClaimsPrincipal principal, ChatService chat)
    {
        var room = await chat.Room(roomId).GetInfoAsync();
        if (!room.Members.Contains(principal.Username(), StringComparer.OrdinalIgnoreCase))
        {
            throw ChatException.Forbidden($"You are not a member of room '{roomId}'");
        }

        return TypedResults.Ok(await chat.MembersAsync(room));
    }

    private static async Task<Ok<MessagePage>> MessagesAsync(
        string roomId, long? after, long? before, int? limit, ClaimsPrincipal principal, ChatService chat) =>
        TypedResults.Ok(await chat.Room(roomId).GetMessagesAsync(principal.Username(), ChatService.History(after, before, limit)));

    private static async Task<Results<Created<ChatMessage>, Ok<ChatMessage>>> SendAsync(
        string roomId, SendMessageRequest body, ClaimsPrincipal principal, ChatService chat)
    {
        var result = await chat.SendAsync(principal.Username(), roomId, body.Text, body.ClientMessageId);
        return result.Created
            ? TypedResults.Created($"/api/rooms/{roomId}/messages?after={result.Message.Id - 1}&limit=1", result.Message)
            : TypedResults.Ok(result.Message);
    }

    internal sealed record CreateRoomRequest(string? RoomName);

    internal sealed record JoinResponse(string Status, string RoomId, string RoomName);

    internal sealed record LeaveResponse(string Status, string RoomId);
}

internal sealed record SendMessageRequest(string? Text, string? ClientMessageId);
