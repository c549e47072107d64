using System.Security.Claims;
using System.Text.Json.Serialization;
using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Paging;
using GrainChat.Gateway.Realtime;
using GrainChat.Lobby;
using GrainChat.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrainChat.Gateway.Lobby;

/// <summary>
/// <c>/api/lobby</c>: game sessions. Answers are <c>{message, data, did_succeed}</c>; failures keep that shape
/// (<c>did_succeed:false</c>) inside an RFC 7807 problem (see <see cref="LobbyProblemShape"/>).
/// </summary>
internal static class LobbyEndpoints
{
    public static IEndpointRouteBuilder MapLobbyEndpoints(this IEndpointRouteBuilder app)
    {
        var lobby = app.MapGroup(Prefix).WithTags("Lobby");
        lobby.MapGet("/", WelcomeAsync).RequireAuthorization();
        lobby.MapPost("/", EnterAsync).RequireAuthorization();
        lobby.MapPost("/sessions/{room}/start", StartAsync).RequireAuthorization();
        lobby.MapPost("/leave", LeaveAsync).RequireAuthorization();
        lobby.MapGet("/sessions", SessionsAsync).AllowAnonymous();
        lobby.MapGet("/users", UsersAsync).AllowAnonymous();
        return app;
    }

    public const string Prefix = "/api/lobby";

    private static async Task<Ok<Answer<UserData>>> WelcomeAsync(ClaimsPrincipal principal, LobbyService lobby)
    {
        var username = principal.Username();
        var status = await lobby.StatusAsync(username);
        return TypedResults.Ok(new Answer<UserData>($"Welcome {username}!", new UserData(new LobbyUser(username, status.State, status.Session)), true));
    }

    private static async Task<Ok<SessionAnswer>> EnterAsync(EnterRequest body, ClaimsPrincipal principal, LobbyService lobby)
    {
        var username = principal.Username();
        var session = body.Type switch
        {
            "host" => await lobby.HostAsync(username, body.Room, body.MaxPlayers, body.Robot),
            "join" => await lobby.JoinAsync(username, body.Room, body.Random ?? false),
            _ => throw ChatException.Invalid("type is \"host\" or \"join\"", "type"),
        };
        var verb = body.Type == "host" ? "hosting" : "joined";
        return TypedResults.Ok(new SessionAnswer($"You are {verb} '{session.Room}'", SessionData.Of(session), true, ChatHub.Path));
    }

    private static async Task<Ok<SessionAnswer>> StartAsync(string room, ClaimsPrincipal principal, LobbyService lobby)
    {
        var session = await lobby.StartAsync(principal.Username(), room);
        return TypedResults.Ok(new SessionAnswer($"Session '{session.Room}' started", SessionData.Of(session), true, ChatHub.Path));
    }

    private static async Task<Ok<Answer<SessionData>>> LeaveAsync(ClaimsPrincipal principal, LobbyService lobby)
    {
        var session = await lobby.LeaveAsync(principal.Username());
        var message = session.State == SessionState.Ended ? $"You left '{session.Room}'; the session has ended" : $"You left '{session.Room}'";
        return TypedResults.Ok(new Answer<SessionData>(message, SessionData.Of(session), true));
    }

    /// <summary>Anonymous and cheap: two indexed queries. A page applies to each list; the next link follows the last name listed.</summary>
    private static async Task<Ok<SessionsAnswer>> SessionsAsync(string? after, int? limit, ILobbyIndex index, HttpContext http)
    {
        var page = PageRequest.From(after, limit);
        var pending = await index.ListAsync(SessionState.Pending, page.After, page.Limit + 1);
        var active = await index.ListAsync(SessionState.Active, page.After, page.Limit + 1);
        var more = pending.Count > page.Limit ? pending : active;
        _ = page.Finish(more, s => s.Room, http);
        return TypedResults.Ok(new SessionsAnswer("Game sessions", [.. pending.Take(page.Limit)], [.. active.Take(page.Limit)]));
    }

    /// <summary>Anonymous and cheap: a page of the user directory and one query for the states, no grain activated.</summary>
    private static async Task<Ok<UsersAnswer>> UsersAsync(string? after, int? limit, IUserDirectory users, ILobbyIndex index, HttpContext http)
    {
        var page = PageRequest.From(after, limit);
        var listed = page.Finish(await users.ListAsync(page.After, page.Limit + 1), u => u.Username, http);
        var states = await index.PlayerStatesAsync([.. listed.Select(u => u.Username)]);
        return TypedResults.Ok(new UsersAnswer("Registered users", [.. listed.Select(u => new LobbyUserState(u.Username, states[u.Username]))]));
    }

    internal sealed record EnterRequest(string? Type, string? Room, bool? Random, string? Robot, int? MaxPlayers);

    internal sealed record Answer<T>(string Message, T Data, [property: JsonPropertyName("did_succeed")] bool DidSucceed);

    internal sealed record SessionAnswer(string Message, SessionData Data, [property: JsonPropertyName("did_succeed")] bool DidSucceed, string Ws);

    /// <summary><c>{room, session}</c>: the session's name (what the lobby's clients have always read) and the session itself.</summary>
    internal sealed record SessionData(string Room, LobbySession Session)
    {
        public static SessionData Of(LobbySession session) => new(session.Room, session);
    }

    internal sealed record UserData(LobbyUser User);

    internal sealed record LobbyUser(string Username, PlayerState State, string? Session);

    internal sealed record LobbyUserState(string Username, PlayerState State);

    internal sealed record SessionsAnswer(
        string Message,
        [property: JsonPropertyName("pending_sessions")] IReadOnlyList<LobbySession> PendingSessions,
        [property: JsonPropertyName("active_sessions")] IReadOnlyList<LobbySession> ActiveSessions);

    internal sealed record UsersAnswer(string Message, IReadOnlyList<LobbyUserState> Users);
}
