using GrainChat.Chat;
using GrainChat.Runtime;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// Every hub invocation runs under a live login session. Logout and session eviction close a session's
/// connections through an event; this also refuses anything from a connection whose session has ended, and
/// asks the user grain again when the last answer is older than <see cref="RecheckAfter"/>, so a missed event
/// cannot leave a connection working for longer than that.
/// </summary>
internal sealed class LiveSessionHubFilter(ConnectionRegistry connections, IGrainFactory grains, TimeProvider time) : IHubFilter
{
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromSeconds(5);

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (connections.Find(invocationContext.Context.ConnectionId) is not { } connection || connection.IsRevoked)
        {
            throw Ended();
        }

        // Answered recently: straight through, without a state machine of this filter's own on every invocation.
        var now = time.GetTimestamp();
        return time.GetElapsedTime(connection.SessionCheckedAt, now) > RecheckAfter
            ? RecheckThenInvokeAsync(connection, now, invocationContext, next)
            : next(invocationContext);
    }

    private async ValueTask<object?> RecheckThenInvokeAsync(
        ChatConnection connection, long now, HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (!await grains.GetUserGrain(connection.Username).IsSessionActiveAsync(connection.SessionId))
        {
            connection.Revoke();
            throw Ended();
        }

        connection.SessionCheckedAt = now;
        return await next(invocationContext);
    }

    private static HubException Ended() => new("Your session has ended; sign in again");
}
