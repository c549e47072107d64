using System.Collections.Concurrent;
using GrainChat.Runtime.Streams;
using GrainChat.Silo.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Streams;

/// <summary>
/// Streams within one process. Each subscriber has its own bounded queue and delivery loop, so a slow or
/// throwing subscriber holds up only itself. When a subscriber's queue is full, new events for that subscriber
/// are dropped (and counted); the gap shows in the sequence tokens it receives next, so it can catch up from storage.
/// </summary>
internal sealed class InProcessStreamProvider(IOptions<SiloOptions> options, StreamMetrics metrics, ILoggerFactory loggerFactory)
    : IStreamProvider
{
    private readonly ConcurrentDictionary<StreamId, object> _streams = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<InProcessStreamProvider>();

    public string Name => StreamProviderNames.Default;

    public IAsyncStream<T> GetStream<T>(StreamId streamId)
    {
        var stream = _streams.GetOrAdd(streamId, id => new InProcessStream<T>(id, this));
        return stream as IAsyncStream<T>
            ?? throw new InvalidOperationException($"Stream {streamId} carries {stream.GetType().GetGenericArguments()[0].Name}, not {typeof(T).Name}.");
    }

    internal int QueueCapacity => options.Value.StreamSubscriberQueueCapacity;

    internal StreamMetrics Metrics => metrics;

    internal ILogger Logger => _logger;
}
