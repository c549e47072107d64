using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// What the server has yet to write to one connection. A write that completes at once (the usual case) happens
/// on the sender's thread; once the connection's transport buffer is full, later messages wait here, in order,
/// and the sender moves on. More than <c>capacity</c> waiting means the client is not reading: the connection is
/// closed (its client reconnects and catches up by id), so that it never holds up anyone else.
/// </summary>
internal sealed class ConnectionOutbox(HubConnectionContext connection, int capacity, Action<HubConnectionContext> onOverflow)
{
    private readonly object _lock = new();
    private readonly Queue<SerializedHubMessage> _waiting = new();
    private bool _writing;
    private bool _closed;

    public HubConnectionContext Connection => connection;

    /// <summary>The groups it is in, so its disconnect touches only those; null once disconnected. The lifetime manager's group lock guards it.</summary>
    public HashSet<string>? Groups { get; set; } = new(StringComparer.Ordinal);

    public void Post(SerializedHubMessage message)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            if (_writing)
            {
                if (_waiting.Count >= capacity)
                {
                    Close();
                    onOverflow(connection);
                    return;
                }

                _waiting.Enqueue(message);
                return;
            }

            _writing = true;
        }

        WriteFrom(message);
    }

    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _waiting.Clear();
        }

        connection.Abort();
    }

    private void WriteFrom(SerializedHubMessage message)
    {
        while (true)
        {
            ValueTask write;
            try
            {
                write = connection.WriteAsync(message);
            }
            catch (Exception)
            {
                Close();
                return;
            }

            if (!write.IsCompletedSuccessfully)
            {
                _ = FinishThenContinueAsync(write);
                return;
            }

            if (!TryTakeNext(out message))
            {
                return;
            }
        }
    }

    private async Task FinishThenContinueAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception)
        {
            Close();
            return;
        }

        if (TryTakeNext(out var next))
        {
            WriteFrom(next);
        }
    }

    private bool TryTakeNext(out SerializedHubMessage next)
    {
        lock (_lock)
        {
            if (_closed || !_waiting.TryDequeue(out next!))
            {
                _writing = false;
                next = null!;
                return false;
            }

            return true;
        }
    }
}
