using GrainChat.Chat;
using GrainChat.Runtime;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// The first hub filter. Every hub invocation runs under a live login session: logout and session eviction close a
/// session's connections through an event; this also refuses anything from a connection whose session has ended,
/// and asks the user grain again when the last answer is older than <see cref="RecheckAfter"/>, so a missed event
/// cannot leave a connection working for longer than that. And every invocation runs in the order its connection
/// sent it (<see cref="InvocationSequence"/>): sends overlap, anything else runs on its own.
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

        // A recheck awaits the user grain before the method runs: it runs on its own, so that nothing overtakes it.
        return IsRecheckDue(connection)
            ? connection.Invocations.RunAsync(overlapping: false, static s => s.Filter.RecheckThenInvokeAsync(s.Connection, s.Context, s.Next), (Filter: this, Connection: connection, Context: invocationContext, Next: next))
            : connection.Invocations.RunAsync(Overlaps(invocationContext.HubMethodName), static s => InvokeIfLive(s.Connection, s.Context, s.Next), (Connection: connection, Context: invocationContext, Next: next));
    }

    /// <summary>
    /// The sends, whose way to the room's grain call has no await: one connection's sends reach the room in the
    /// order sent, and the room appends them in the order they reach it.
    /// </summary>
    private static bool Overlaps(string hubMethodName) => hubMethodName is nameof(ChatHub.SendMessage) or nameof(ChatHub.SendReply);

    private bool IsRecheckDue(ChatConnection connection) => time.GetElapsedTime(connection.SessionCheckedAt) > RecheckAfter;

    private static ValueTask<object?> InvokeIfLive(ChatConnection connection, HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next) =>
        connection.IsRevoked ? throw Ended() : next(invocationContext);

    private async ValueTask<object?> RecheckThenInvokeAsync(
        ChatConnection connection, HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        // An invocation that waited behind another recheck finds the session confirmed already.
        var now = time.GetTimestamp();
        if (IsRecheckDue(connection))
        {
            if (!await grains.GetUserGrain(connection.Username).IsSessionActiveAsync(connection.SessionId))
            {
                connection.Revoke();
                throw Ended();
            }

            connection.SessionCheckedAt = now;
        }

        return await InvokeIfLive(connection, invocationContext, next);
    }

    private static HubException Ended() => new("Your session has ended; sign in again");
}
