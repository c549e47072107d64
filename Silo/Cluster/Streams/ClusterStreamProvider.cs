using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using GrainChat.Runtime.Streams;
using GrainChat.Silo.Cluster.Membership;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Silo.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GrainChat.Silo.Cluster.Streams;

/// <summary>
/// Streams across the nodes of a cluster, behind the same <see cref="IStreamProvider"/> the grains already use.
/// An event is delivered to this node's subscribers at once (through the in-process provider) and sent to the
/// other nodes as a PostgreSQL <c>NOTIFY</c> (events too large for a notification go through a table and the
/// notification carries their row id). Notifications from one publisher arrive in the order sent, and every event
/// of a stream comes from its grain's one activation, so subscribers see each stream in order. Where a stream has
/// a stored sequence (<see cref="IStreamCatchUp{T}"/>: a room's messages), a node drops duplicates, fills gaps
/// from storage, and catches up after its notification connection was lost, so no message is skipped.
/// </summary>
internal sealed partial class ClusterStreamProvider : IStreamProvider, IAsyncDisposable
{
    public const string Channel = "grainchat_streams";

    // PostgreSQL refuses notification payloads of 8000 bytes or more; keep clear of the limit.
    private const int MaxInlinePayloadBytes = 7000;
    private const int MaxBatch = 256;
    private const int MaxQueued = 200_000;

    public static readonly StorageMigration Migration = new(
        11,
        "cluster: stream events too large for a notification",
        "SELECT 1",
        """
        CREATE TABLE IF NOT EXISTS cluster_stream_events (
            id         BIGSERIAL   PRIMARY KEY,
            payload    TEXT        NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        """);

    private readonly ConcurrentDictionary<StreamId, IClusterStream> _streams = new();
    private readonly InProcessStreamProvider _local;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ClusterMembership _membership;
    private readonly IServiceProvider _services;
    private readonly string _cluster;
    private readonly ILogger _logger;
    private readonly Channel<string> _outgoing = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _publisher;
    private int _queued;

    public ClusterStreamProvider(
        InProcessStreamProvider local,
        NpgsqlDataSource dataSource,
        ClusterMembership membership,
        ClusterNotifications notifications,
        IServiceProvider services,
        IOptions<ClusterOptions> options,
        ILogger<ClusterStreamProvider> logger)
    {
        _local = local;
        _dataSource = dataSource;
        _membership = membership;
        _services = services;
        _cluster = options.Value.Name;
        _logger = logger;
        notifications.Register(Channel, OnNotificationAsync);
        notifications.Reconnected += CatchUpAllAsync;
        _publisher = Task.Run(PublishLoopAsync);
    }

    public string Name => StreamProviderNames.Default;

    public IAsyncStream<T> GetStream<T>(StreamId streamId)
    {
        var stream = _streams.GetOrAdd(streamId, id => new ClusterStream<T>((InProcessStream<T>)_local.GetStream<T>(id), this, _services.GetService<IStreamCatchUp<T>>()));
        return stream as IAsyncStream<T>
            ?? throw new InvalidOperationException($"Stream {streamId} carries another event type than {typeof(T).Name}.");
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _publisher.ConfigureAwait(false);
    }

    /// <summary>Queues an event for the other nodes; order is kept per publisher.</summary>
    internal void Publish<T>(StreamId streamId, T item)
    {
        if (Interlocked.Increment(ref _queued) > MaxQueued)
        {
            Interlocked.Decrement(ref _queued);
            LogDropped(_logger, streamId.ToString());
            return;
        }

        var envelope = new StreamEnvelope(_cluster, _membership.Self.ToString(), streamId.Namespace, streamId.Key, JsonSerializer.SerializeToElement(item, Json));
        _outgoing.Writer.TryWrite(JsonSerializer.Serialize(envelope, Json));
    }

    private static readonly JsonSerializerOptions Json = Calls.RemoteCallCodec.Json;

    private async Task OnNotificationAsync(string payload)
    {
        var envelope = JsonSerializer.Deserialize<StreamEnvelope>(payload, Json);
        if (envelope is null || !string.Equals(envelope.Cluster, _cluster, StringComparison.Ordinal)
            || string.Equals(envelope.Origin, _membership.Self.ToString(), StringComparison.Ordinal))
        {
            return;
        }

        if (envelope.Ref is { } rowId)
        {
            envelope = await ReadStoredAsync(rowId).ConfigureAwait(false);
            if (envelope is null)
            {
                return;
            }
        }

        if (_streams.TryGetValue(new StreamId(envelope.Namespace!, envelope.Key!), out var stream))
        {
            await stream.DeliverRemoteAsync(envelope.Event, _stopping.Token).ConfigureAwait(false);
        }
    }

    private async Task CatchUpAllAsync()
    {
        foreach (var stream in _streams.Values)
        {
            await stream.CatchUpAsync(_stopping.Token).ConfigureAwait(false);
        }
    }

    private async Task<StreamEnvelope?> ReadStoredAsync(long rowId)
    {
        await using var command = _dataSource.CreateCommand("SELECT payload FROM cluster_stream_events WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = rowId });
        return await command.ExecuteScalarAsync(_stopping.Token).ConfigureAwait(false) is string stored
            ? JsonSerializer.Deserialize<StreamEnvelope>(stored, Json)
            : null;
    }

    private async Task PublishLoopAsync()
    {
        var batch = new List<string>(MaxBatch);
        var delay = TimeSpan.FromMilliseconds(50);
        var lastCleanup = DateTimeOffset.UtcNow;
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                while (batch.Count < MaxBatch && _outgoing.Reader.TryRead(out var payload))
                {
                    batch.Add(payload);
                }

                // Kept until sent: a database hiccup delays events, it does not reorder or drop them.
                while (true)
                {
                    try
                    {
                        await SendAsync(batch).ConfigureAwait(false);
                        Interlocked.Add(ref _queued, -batch.Count);
                        batch.Clear();
                        delay = TimeSpan.FromMilliseconds(50);
                        break;
                    }
                    catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
                    {
                        LogPublishFailed(_logger, exception, batch.Count, delay);
                        await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
                    }
                }

                if (DateTimeOffset.UtcNow - lastCleanup > TimeSpan.FromMinutes(1))
                {
                    lastCleanup = DateTimeOffset.UtcNow;
                    await using var cleanup = _dataSource.CreateCommand("DELETE FROM cluster_stream_events WHERE created_at < now() - interval '10 minutes'");
                    await cleanup.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(List<string> payloads)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(_stopping.Token).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var payload in payloads)
        {
            var inline = payload;
            if (Encoding.UTF8.GetByteCount(payload) > MaxInlinePayloadBytes)
            {
                await using var store = new NpgsqlCommand("INSERT INTO cluster_stream_events (payload) VALUES ($1) RETURNING id", connection);
                store.Parameters.Add(new NpgsqlParameter { Value = payload });
                var rowId = (long)(await store.ExecuteScalarAsync(_stopping.Token).ConfigureAwait(false))!;
                inline = JsonSerializer.Serialize(new StreamEnvelope(_cluster, _membership.Self.ToString(), null, null, default, rowId), Json);
            }

            var notify = new NpgsqlBatchCommand($"SELECT pg_notify('{Channel}', $1)");
            notify.Parameters.Add(new NpgsqlParameter { Value = inline });
            batch.BatchCommands.Add(notify);
        }

        await batch.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Count} stream events to the cluster failed; retrying in {Delay}")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int count, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Too many stream events are waiting for the database; an event of {Stream} was not sent to the other nodes")]
    private static partial void LogDropped(ILogger logger, string stream);

    /// <summary>What a notification carries: the event inline, or the row holding it.</summary>
    private sealed record StreamEnvelope(string Cluster, string Origin, string? Namespace, string? Key, JsonElement Event, long? Ref = null);
}

/// <summary>The part of a cluster stream the provider drives without knowing its event type.</summary>
internal interface IClusterStream
{
    Task DeliverRemoteAsync(JsonElement item, CancellationToken cancellationToken);

    Task CatchUpAsync(CancellationToken cancellationToken);
}
