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

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (connections.Find(invocationContext.Context.ConnectionId) is not { } connection || connection.IsRevoked)
        {
            throw Ended();
        }

        var now = time.GetTimestamp();
        if (time.GetElapsedTime(connection.SessionCheckedAt, now) > RecheckAfter)
        {
            if (!await grains.GetUserGrain(connection.Username).IsSessionActiveAsync(connection.SessionId))
            {
                connection.Revoke();
                throw Ended();
            }

            connection.SessionCheckedAt = now;
        }

        return await next(invocationContext);
    }

    private static HubException Ended() => new("Your session has ended; sign in again");
}
