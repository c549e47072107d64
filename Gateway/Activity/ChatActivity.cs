namespace GrainChat.Gateway.Activity;

/// <summary>
/// What happened on this node, for whoever watches: the features that do things (messages, rooms, the hub)
/// report here, and the features that watch (operators' traffic log and live events, the metrics counters)
/// register an <see cref="IChatActivityObserver"/>. Neither side knows the other.
/// </summary>
internal sealed class ChatActivity(IEnumerable<IChatActivityObserver> observers)
{
    private readonly IChatActivityObserver[] _observers = [.. observers];

    public void MessageStored(string kind, string sender, string roomId, string text)
    {
        foreach (var observer in _observers)
        {
            observer.OnMessageStored(kind, sender, roomId, text);
        }
    }

    public void Traffic(string eventName, string username, string? roomId, string? data)
    {
        foreach (var observer in _observers)
        {
            observer.OnTraffic(eventName, username, roomId, data);
        }
    }

    public void Pinged()
    {
        foreach (var observer in _observers)
        {
            observer.OnPing();
        }
    }

    public async Task ConnectionOpenedAsync(ConnectionView connection)
    {
        foreach (var observer in _observers)
        {
            await observer.OnConnectionOpenedAsync(connection);
        }
    }

    public async Task ConnectionClosedAsync(string connectionId, string username)
    {
        foreach (var observer in _observers)
        {
            await observer.OnConnectionClosedAsync(connectionId, username);
        }
    }
}

/// <summary>Watches <see cref="ChatActivity"/>; every method has a do-nothing default, so an observer implements what it needs.</summary>
internal interface IChatActivityObserver
{
    /// <summary>A message was stored (not a repeat): <paramref name="kind"/> is <c>room-message</c> or <c>direct-message</c>.</summary>
    void OnMessageStored(string kind, string sender, string roomId, string text)
    {
    }

    /// <summary>Something else worth logging: a join, a leave, a hub <c>Message</c> or <c>Broadcast</c>.</summary>
    void OnTraffic(string eventName, string username, string? roomId, string? data)
    {
    }

    void OnPing()
    {
    }

    Task OnConnectionOpenedAsync(ConnectionView connection) => Task.CompletedTask;

    Task OnConnectionClosedAsync(string connectionId, string username) => Task.CompletedTask;
}

/// <summary>A hub connection as watchers see it: <c>{connectionId, username, clientIp, connectedAt, rooms}</c>.</summary>
public sealed record ConnectionView(string ConnectionId, string Username, string? ClientIp, DateTimeOffset ConnectedAt, string[] Rooms);
