using GrainChat.Chat;
using GrainChat.Gateway.Realtime;
using GrainChat.Runtime;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Gateway;

/// <summary>The hub's session check on its own, so that a missed logout event can be staged.</summary>
public sealed class LiveSessionHubFilterTests : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await ChatSilo.StartAsync();
        await _silo.RegisterAsync("ivy");
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task A_session_that_ended_without_the_event_arriving_is_caught_at_the_next_recheck()
    {
        var session = await User().OpenSessionAsync();
        var (filter, connection, context) = Connect(session.SessionId, checkedSecondsAgo: 10);

        // Logged out while nothing on this node listened: the event that would close the connection is missed.
        await User().LogoutAsync(session.SessionId);
        var nextCalled = false;

        await Assert.ThrowsAsync<HubException>(() => filter.InvokeMethodAsync(Invocation(context), _ => { nextCalled = true; return ValueTask.FromResult<object?>(null); }).AsTask());

        Assert.False(nextCalled);
        Assert.True(connection.IsRevoked);
        Assert.True(context.Aborted);
    }

    [Fact]
    public async Task A_live_session_lets_the_invocation_through_and_is_not_asked_again_before_the_recheck_is_due()
    {
        var session = await User().OpenSessionAsync();
        var (filter, connection, context) = Connect(session.SessionId, checkedSecondsAgo: 10);

        var answer = await filter.InvokeMethodAsync(Invocation(context), _ => ValueTask.FromResult<object?>("done"));
        await User().LogoutAsync(session.SessionId);
        var beforeRecheck = await filter.InvokeMethodAsync(Invocation(context), _ => ValueTask.FromResult<object?>("still within 5 s"));

        Assert.Equal("done", answer);
        Assert.Equal("still within 5 s", beforeRecheck);
        Assert.False(connection.IsRevoked);
    }

    [Fact]
    public async Task A_send_arriving_while_a_recheck_is_due_waits_for_the_rechecked_invocation_to_finish()
    {
        var session = await User().OpenSessionAsync();
        var (filter, _, context) = Connect(session.SessionId, checkedSecondsAgo: 10);
        var firstDone = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sendStarted = false;

        var first = filter.InvokeMethodAsync(Invocation(context, nameof(OrderingHub.SendMessage)), _ => new ValueTask<object?>(firstDone.Task));
        var send = filter.InvokeMethodAsync(Invocation(context, nameof(OrderingHub.SendMessage)), _ => { sendStarted = true; return ValueTask.FromResult<object?>("sent"); });
        await Task.Delay(100);

        Assert.False(sendStarted);
        firstDone.SetResult("first");
        Assert.Equal("first", await first);
        Assert.Equal("sent", await send);
    }

    [Fact]
    public async Task Sends_overlap_once_the_session_is_confirmed_but_other_methods_wait_for_them()
    {
        var session = await User().OpenSessionAsync();
        var (filter, _, context) = Connect(session.SessionId, checkedSecondsAgo: 0);
        var firstSend = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new List<string>();

        var send = filter.InvokeMethodAsync(Invocation(context, nameof(OrderingHub.SendMessage)), _ => { started.Add("send 1"); return new ValueTask<object?>(firstSend.Task); });
        var reply = filter.InvokeMethodAsync(Invocation(context, nameof(OrderingHub.SendReply)), _ => { started.Add("reply"); return ValueTask.FromResult<object?>(null); });
        var join = filter.InvokeMethodAsync(Invocation(context, nameof(OrderingHub.JoinRoom)), _ => { lock (started) { started.Add("join"); } return ValueTask.FromResult<object?>(null); });
        await Task.Delay(100);

        Assert.Equal(["send 1", "reply"], started);
        firstSend.SetResult(null);
        await send;
        await reply;
        await join;
        Assert.Equal(["send 1", "reply", "join"], started);
    }

    private IUserGrain User() => _silo.GrainFactory.GetUserGrain("ivy");

    private (LiveSessionHubFilter Filter, ChatConnection Connection, FakeCallerContext Context) Connect(string sessionId, int checkedSecondsAgo)
    {
        var registry = new ConnectionRegistry();
        var context = new FakeCallerContext("ivy");
        var connection = new ChatConnection(context, "ivy", "ivy", sessionId, null, DateTimeOffset.UtcNow, isAdmin: false)
        {
            SessionCheckedAt = TimeProvider.System.GetTimestamp() - (checkedSecondsAgo * TimeProvider.System.TimestampFrequency),
        };
        registry.Add(connection);
        return (new LiveSessionHubFilter(registry, _silo.GrainFactory, TimeProvider.System), connection, context);
    }

    private HubInvocationContext Invocation(FakeCallerContext context) =>
        new(context, _silo.Services, new EmptyHub(), typeof(EmptyHub).GetMethod(nameof(EmptyHub.Nothing))!, []);

    private HubInvocationContext Invocation(FakeCallerContext context, string method) =>
        new(context, _silo.Services, new OrderingHub(), typeof(OrderingHub).GetMethod(method)!, []);

    private sealed class EmptyHub : Hub
    {
        public static void Nothing()
        {
        }
    }

    /// <summary>Methods named as the chat hub's, since the filter tells sends from the rest by name.</summary>
    private sealed class OrderingHub : Hub
    {
        public static void SendMessage()
        {
        }

        public static void SendReply()
        {
        }

        public static void JoinRoom()
        {
        }
    }
}
