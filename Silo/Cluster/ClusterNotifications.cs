using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GrainChat.Silo.Cluster;

/// <summary>
/// This node's one <c>LISTEN</c> connection to PostgreSQL. Notifications are handed, in arrival order, to the
/// handler registered for their channel. When the connection drops it is reopened (with back-off) and every
/// <see cref="Reconnected"/> handler runs, so listeners can catch up on what they may have missed.
/// </summary>
internal sealed partial class ClusterNotifications(
    Microsoft.Extensions.Options.IOptions<Hosting.StorageOptions> storage,
    ILogger<ClusterNotifications> logger) : IAsyncDisposable
{
    /// <summary>How the listening connection shows in <c>pg_stat_activity</c>.</summary>
    public const string ApplicationName = "grainchat-notifications";

    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Func<string, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _listenLoop;
    private Task? _dispatchLoop;

    /// <summary>Runs after the listening connection was lost and is back.</summary>
    public event Func<Task>? Reconnected;

    public void Register(string channel, Func<string, Task> handler) => _handlers[channel] = handler;

    /// <summary>Starts listening; completes once the first LISTEN is in place.</summary>
    public Task StartAsync()
    {
        _listenLoop = Task.Run(ListenLoopAsync);
        _dispatchLoop = Task.Run(DispatchLoopAsync);
        return _listening.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _received.Writer.TryComplete();
        foreach (var loop in new[] { _listenLoop, _dispatchLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(false);
            }
        }
    }

    private async Task ListenLoopAsync()
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var firstTime = true;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                // From the configured string: a data source's own copy has the password taken out.
                var settings = new NpgsqlConnectionStringBuilder(storage.Value.ConnectionString) { ApplicationName = ApplicationName, Pooling = false };
                await using var connection = new NpgsqlConnection(settings.ConnectionString);
                await connection.OpenAsync(_stopping.Token).ConfigureAwait(false);
                connection.Notification += (_, notification) => _received.Writer.TryWrite(new Received(notification.Channel, notification.Payload));
                foreach (var channel in _handlers.Keys)
                {
                    await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
                    await listen.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
                }

                delay = TimeSpan.FromMilliseconds(100);
                if (firstTime)
                {
                    firstTime = false;
                    _listening.TrySetResult();
                }
                else
                {
                    LogReconnected(logger);
                    _received.Writer.TryWrite(new Received(null, ""));
                }

                while (!_stopping.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(PingInterval, _stopping.Token).ConfigureAwait(false))
                    {
                        // Nothing arrived for a while: make sure the connection is still there.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(_stopping.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                LogConnectionLost(logger, exception, delay);
                try
                {
                    await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task DispatchLoopAsync()
    {
        await foreach (var notification in _received.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (notification.Channel is null)
                {
                    foreach (var handler in Reconnected?.GetInvocationList().Cast<Func<Task>>() ?? [])
                    {
                        await handler().ConfigureAwait(false);
                    }
                }
                else if (_handlers.TryGetValue(notification.Channel, out var handler))
                {
                    await handler(notification.Payload).ConfigureAwait(false);
                }
            }
            catch (Exception exception)
            {
                LogHandlerFailed(logger, exception, notification.Channel ?? "(reconnect)");
            }
        }
    }

    /// <summary>A notification, or (with no channel) the news that the connection was re-established.</summary>
    private readonly record struct Received(string? Channel, string Payload);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the PostgreSQL notification connection; retrying in {Delay}")]
    private static partial void LogConnectionLost(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL notification connection is back; catching up")]
    private static partial void LogReconnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "A handler of cluster notifications on {Channel} failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string channel);
}
