using System.Security.Claims;
using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Paging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Rooms;

/// <summary><c>/api/rooms</c>: listing, creating, joining, leaving and members. Messages are in Messages/.</summary>
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
        return app;
    }

    private static async Task<Ok<IReadOnlyList<RoomSummary>>> ListAsync(
        bool? joined, string? after, int? limit, ClaimsPrincipal principal, RoomService rooms, HttpContext http)
    {
        var page = PageRequest.From(after, limit);
        return TypedResults.Ok(page.Finish(await rooms.ListAsync(principal.Username(), joined == true, page), r => r.RoomId, http));
    }

    private static async Task<Created<RoomSummary>> CreateAsync(CreateRoomRequest body, ClaimsPrincipal principal, RoomService rooms)
    {
        var room = await rooms.CreateAsync(principal.Username(), body.RoomName!);
        return TypedResults.Created($"/api/rooms/{room.RoomId}", room.ToSummary());
    }

    private static async Task<Ok<RoomDetails>> GetAsync(string roomId, ClaimsPrincipal principal, RoomService rooms) =>
        TypedResults.Ok(await rooms.DetailsAsync(principal.Username(), roomId));

    private static async Task<Ok<JoinResponse>> JoinAsync(string roomId, ClaimsPrincipal principal, RoomService rooms)
    {
        var room = await rooms.JoinAsync(principal.Username(), roomId);
        return TypedResults.Ok(new JoinResponse("joined", room.RoomId, room.RoomName));
    }

    private static async Task<Ok<LeaveResponse>> LeaveAsync(string roomId, ClaimsPrincipal principal, RoomService rooms)
    {
        await rooms.LeaveAsync(principal.Username(), roomId);
        return TypedResults.Ok(new LeaveResponse("left", roomId));
    }

    private static async Task<Ok<IReadOnlyList<MemberPresence>>> MembersAsync(string roomId, ClaimsPrincipal principal, RoomService rooms) =>
        TypedResults.Ok(await rooms.MembersAsync(principal.Username(), roomId));

    internal sealed record CreateRoomRequest(string? RoomName);

    internal sealed record JoinResponse(string Status, string RoomId, string RoomName);

    internal sealed record LeaveResponse(string Status, string RoomId);
}
