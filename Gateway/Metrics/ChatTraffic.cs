using System.Diagnostics.Metrics;

namespace GrainChat.Gateway.Metrics;

/// <summary>
/// Gateway counters: pings (total and today, UTC) and hub connections, on the <c>GrainChat.Gateway</c> meter.
/// Ping counts live in this process; message counts come from the message log.
/// </summary>
internal sealed class ChatTraffic
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

    public void Pinged()
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

    public void MessageStored()
    {
        Interlocked.Increment(ref _messagesInTotal);
        _messagesIn.Add(1);
    }

    public void Connected()
    {
        Interlocked.Increment(ref _connectionCount);
        _connections.Add(1);
    }

    public void Disconnected()
    {
        Interlocked.Decrement(ref _connectionCount);
        _connections.Add(-1);
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
