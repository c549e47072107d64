using System.Diagnostics.Metrics;
using GrainChat.Gateway.Activity;

namespace GrainChat.Gateway.Metrics;

/// <summary>
/// This node's counters, on the <c>GrainChat.Gateway</c> meter and in memory: pings (total and today, UTC), open
/// hub connections, and messages stored through this node since it started. They live in this process;
/// <c>/api/metrics</c> takes its message totals from the message history instead.
/// </summary>
internal sealed class ChatTraffic : IChatActivityObserver
{
    public const string MeterName = "GrainChat.Gateway";

    private readonly object _pingLock = new();
    private readonly TimeProvider _time;
    private readonly Counter<long> _pings;
    private readonly Counter<long> _messagesIn;
    private readonly UpDownCounter<long> _connections;
    private long _pingsTotal;
    private long _pingsToday;
    private DateOnly _today;
    private long _connectionCount;
    private long _messagesInTotal;

    public ChatTraffic(IMeterFactory meters, TimeProvider time)
    {
        _time = time;
        _today = Today();
        var meter = meters.Create(MeterName);
        _pings = meter.CreateCounter<long>("grainchat.gateway.pings", "{ping}");
        _messagesIn = meter.CreateCounter<long>("grainchat.gateway.messages_in", "{message}", "Messages stored from REST and hub sends");
        _connections = meter.CreateUpDownCounter<long>("grainchat.gateway.connections", "{connection}", "Open hub connections");
    }

    public long Connections => Interlocked.Read(ref _connectionCount);

    public (long Total, long Today) Pings
    {
        get
        {
            lock (_pingLock)
            {
                RollOverDay();
                return (_pingsTotal, _pingsToday);
            }
        }
    }

    public void OnPing()
    {
        lock (_pingLock)
        {
            RollOverDay();
            _pingsTotal++;
            _pingsToday++;
        }

        _pings.Add(1);
    }

    /// <summary>Messages stored through this node since it started.</summary>
    public long MessagesIn => Interlocked.Read(ref _messagesInTotal);

    public void OnMessageStored(string kind, string sender, string roomId, string text)
    {
        Interlocked.Increment(ref _messagesInTotal);
        _messagesIn.Add(1);
    }

    public Task OnConnectionOpenedAsync(ConnectionView connection)
    {
        Interlocked.Increment(ref _connectionCount);
        _connections.Add(1);
        return Task.CompletedTask;
    }

    public Task OnConnectionClosedAsync(string connectionId, string username)
    {
        Interlocked.Decrement(ref _connectionCount);
        _connections.Add(-1);
        return Task.CompletedTask;
    }

    private void RollOverDay()
    {
        var today = Today();
        if (today != _today)
        {
            _today = today;
            _pingsToday = 0;
        }
    }

    private DateOnly Today() => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
}
