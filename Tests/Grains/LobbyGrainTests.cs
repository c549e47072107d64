using GrainChat.Chat;
using GrainChat.Lobby;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Grains;

/// <summary>A lobby session's seats and lifecycle, and a player's one seat.</summary>
public sealed class LobbyGrainTests : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await ChatSilo.StartAsync();
        await _silo.RegisterAsync([.. Enumerable.Range(0, 20).Select(i => $"player{i}"), "host"]);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task A_hosted_session_is_pending_with_the_host_seated_in_its_chat_room_and_indexed()
    {
        var session = await Session("Quiz").HostAsync("Quiz", "host", 4, robot: null);

        Assert.Equal(SessionState.Pending, session.State);
        Assert.Equal(["host"], session.Players);
        Assert.Equal(["host"], await _silo.GrainFactory.GetRoomGrain(session.RoomId).GetMembersAsync("host"));
        Assert.Contains(await Index().ListAsync(SessionState.Pending, null, 1000), s => s.Room == "Quiz");
    }

    [Fact]
    public async Task Twenty_racing_joins_fill_a_four_seat_session_exactly_and_the_rest_are_refused()
    {
        await Session("race").HostAsync("race", "host", 4, robot: null);

        var joins = Enumerable.Range(0, 20).Select(i => Task.Run(() => Session("race").JoinAsync($"player{i}"))).ToArray();
        var outcomes = await Task.WhenAll(joins.Select(async join =>
        {
            try
            {
                await join;
                return (ChatErrorCode?)null;
            }
            catch (ChatException exception)
            {
                return exception.Code;
            }
        }));

        Assert.Equal(3, outcomes.Count(o => o is null));
        Assert.All(outcomes.Where(o => o is not null), o => Assert.Equal(ChatErrorCode.Conflict, o));
        var session = (await Session("race").GetAsync())!;
        Assert.Equal(SessionState.Active, session.State);
        Assert.Equal(4, session.Players.Count);
    }

    [Fact]
    public async Task Filling_the_last_seat_starts_the_session_for_every_reserved_player()
    {
        await Player("host").ReserveSessionAsync("duel");
        await Session("duel").HostAsync("duel", "host", 2, robot: null);
        await Player("player1").ReserveSessionAsync("duel");

        var session = await Session("duel").JoinAsync("player1");

        Assert.Equal(SessionState.Active, session.State);
        Assert.Equal(new LobbyStatus(PlayerState.Playing, "duel"), await Player("host").GetStatusAsync());
        Assert.Equal(new LobbyStatus(PlayerState.Playing, "duel"), await Player("player1").GetStatusAsync());
    }

    [Fact]
    public async Task Only_the_host_starts_a_pending_session_and_only_once()
    {
        await Session("early").HostAsync("early", "host", 8, robot: null);
        await Session("early").JoinAsync("player1");

        var notHost = await Assert.ThrowsAsync<ChatException>(() => Session("early").StartAsync("player1"));
        var started = await Session("early").StartAsync("HOST");
        var again = await Assert.ThrowsAsync<ChatException>(() => Session("early").StartAsync("host"));

        Assert.Equal(ChatErrorCode.Forbidden, notHost.Code);
        Assert.Equal(SessionState.Active, started.State);
        Assert.Equal(ChatErrorCode.Conflict, again.Code);
    }

    [Fact]
    public async Task The_host_leaving_ends_the_session_and_frees_every_player()
    {
        await Player("player1").ReserveSessionAsync("over");
        await Session("over").HostAsync("over", "host", 4, robot: null);
        await Session("over").JoinAsync("player1");

        var ended = await Session("over").LeaveAsync("host");

        Assert.Equal(SessionState.Ended, ended.State);
        Assert.Equal(new LobbyStatus(PlayerState.Idle, null), await Player("player1").GetStatusAsync());
        Assert.Equal(ChatErrorCode.NotFound, (await Assert.ThrowsAsync<ChatException>(() => Session("over").JoinAsync("player2"))).Code);
        Assert.Contains(await Index().ListAsync(SessionState.Ended, null, 1000), s => s.Room == "over");
    }

    [Fact]
    public async Task A_player_leaving_keeps_the_session_for_the_others()
    {
        await Session("stay").HostAsync("stay", "host", 4, robot: null);
        await Session("stay").JoinAsync("player1");

        var after = await Session("stay").LeaveAsync("player1");

        Assert.Equal(SessionState.Pending, after.State);
        Assert.Equal(["host"], after.Players);
    }

    [Fact]
    public async Task A_player_is_in_one_session_at_a_time()
    {
        await Player("player1").ReserveSessionAsync("first");

        var second = await Assert.ThrowsAsync<ChatException>(() => Player("player1").ReserveSessionAsync("second"));
        await Player("player1").ReserveSessionAsync("first");

        Assert.Equal(ChatErrorCode.AlreadyInSession, second.Code);
        Assert.Equal(new LobbyStatus(PlayerState.Waiting, "first"), await Player("player1").GetStatusAsync());
    }

    [Fact]
    public async Task A_player_without_a_record_of_its_own_takes_its_seat_from_the_session_index()
    {
        // As for a database from before seats had their own grain: the session lists its host, nothing else does.
        await Session("Legacy").HostAsync("Legacy", "host", 2, robot: null);
        Assert.Equal(new LobbyStatus(PlayerState.Waiting, "legacy"), await Player("host").GetStatusAsync());

        await Player("player3").ReserveSessionAsync("legacy");
        await Session("Legacy").JoinAsync("player3");
        Assert.Equal(new LobbyStatus(PlayerState.Playing, "legacy"), await Player("host").GetStatusAsync());

        await Session("Legacy").LeaveAsync("host");
        Assert.Equal(new LobbyStatus(PlayerState.Idle, null), await Player("host").GetStatusAsync());
        Assert.Equal(new LobbyStatus(PlayerState.Idle, null), await Player("player3").GetStatusAsync());
    }

    [Fact]
    public async Task Changes_for_another_session_leave_a_player_untouched()
    {
        await Player("player1").ReserveSessionAsync("mine");

        await Player("player1").SetSessionStateAsync("other", PlayerState.Playing);
        await Player("player1").ReleaseSessionAsync("other");

        Assert.Equal(new LobbyStatus(PlayerState.Waiting, "mine"), await Player("player1").GetStatusAsync());
    }

    private ILobbySessionGrain Session(string name) => _silo.GrainFactory.GetLobbySessionGrain(name);

    private ILobbyPlayerGrain Player(string username) => _silo.GrainFactory.GetLobbyPlayerGrain(username);

    private ILobbyIndex Index() => _silo.Services.GetRequiredService<ILobbyIndex>();
}
