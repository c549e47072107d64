using GrainChat.Gateway.Realtime;
using GrainChat.Silo.Activation;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Tests.Gateway;

/// <summary>How the hub reports failures of grain calls, including during a connection's start-up.</summary>
public sealed class ChatHubFilterTests
{
    [Fact]
    public async Task A_connection_refused_because_a_node_is_unreachable_says_when_to_retry()
    {
        var filter = new ChatHubFilter();

        var refused = await Assert.ThrowsAsync<HubException>(() =>
            filter.OnConnectedAsync(Lifetime(), _ => throw new SiloUnavailableException("silo 10.0.0.7:11111@3 is gone")));

        Assert.Contains("retryAfter=", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.7", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_refused_for_a_rule_keeps_the_rules_own_message()
    {
        var filter = new ChatHubFilter();

        var refused = await Assert.ThrowsAsync<HubException>(() =>
            filter.OnConnectedAsync(Lifetime(), _ => throw new HubException("Your session has ended; sign in again")));

        Assert.Equal("Your session has ended; sign in again", refused.Message);
    }

    [Fact]
    public async Task An_unexpected_failure_at_start_up_is_not_disguised_as_retryable()
    {
        var filter = new ChatHubFilter();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            filter.OnConnectedAsync(Lifetime(), _ => throw new InvalidOperationException("bug")));
    }

    // The filter looks only at the outcome of the next step, never at the context.
    private static HubLifetimeContext Lifetime() => new(null!, null!, null!);
}
