using GrainChat.Gateway.Activity;
using GrainChat.Gateway.Realtime;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Operators;

/// <summary>
/// The live events of the operators' dashboard, pushed to admins' hub connections. Their names (<c>admin:…</c>)
/// are not C# method names, so they are sent by name, here and nowhere else.
/// </summary>
internal sealed class OperatorEvents(IHubContext<ChatHub> hub, ConnectionRegistry connections) : IChatActivityObserver
{
    /// <summary>The group of admins' connections; the hub adds each admin's connection to it.</summary>
    public const string Group = "admins";

    public const string Connection = "admin:connection";
    public const string Disconnection = "admin:disconnection";
    public const string Message = "admin:message";
    public const string Stats = "admin:stats";

    public Task OnConnectionOpenedAsync(ConnectionView connection) =>
        connections.HasAdmins ? Admins.SendAsync(Connection, connection) : Task.CompletedTask;

    public Task OnConnectionClosedAsync(string connectionId, string username) =>
        connections.HasAdmins ? Admins.SendAsync(Disconnection, new { connectionId, username }) : Task.CompletedTask;

    /// <summary>A traffic log entry, as it is recorded (not awaited: the sender never waits for operators).</summary>
    public void TrafficRecorded(TrafficEntry entry)
    {
        if (connections.HasAdmins)
        {
            _ = Admins.SendAsync(Message, entry);
        }
    }

    public Task StatsAsync(object sample, CancellationToken cancellationToken) => Admins.SendAsync(Stats, sample, cancellationToken);

    private IClientProxy Admins => hub.Clients.Group(Group);
}
