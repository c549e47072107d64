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

    private sealed class EmptyHub : Hub
    {
        public static void Nothing()
        {
        }
    }
}
