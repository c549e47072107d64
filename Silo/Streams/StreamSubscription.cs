using System.Diagnostics;
using System.Threading.Channels;
using GrainChat.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Streams;

/// <summary>One subscriber: a bounded queue and a loop delivering from it one event at a time.</summary>
internal sealed partial class StreamSubscription<T> : StreamSubscriptionHandle<T>
{
    private static readonly AsyncLocal<object?> CurrentDelivery = new();

    private readonly InProcessStream<T> _stream;
    private readonly IAsyncObserver<T> _observer;
    private readonly InProcessStreamProvider _provider;
    private readonly Channel<(T Item, StreamSequenceToken Token, long Enqueued)> _queue;
    private readonly Task _delivery;
    private volatile bool _unsubscribed;

    public StreamSubscription(InProcessStream<T> stream, IAsyncObserver<T> observer, InProcessStreamProvider provider)
    {
        _stream = stream;
        _observer = observer;
        _provider = provider;
        _queue = Channel.CreateBounded<(T, StreamSequenceToken, long)>(new BoundedChannelOptions(provider.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _delivery = Task.Run(DeliverAsync);
    }

    public override StreamId StreamId => _stream.StreamId;

    public override Guid HandleId { get; } = Guid.NewGuid();

    public void Enqueue(T item, StreamSequenceToken token)
    {
        var enqueued = _provider.Metrics.DeliveryWaitEnabled ? Stopwatch.GetTimestamp() : 0;
        if (!_queue.Writer.TryWrite((item, token, enqueued)) && !_unsubscribed)
        {
            _provider.Metrics.Dropped();
            LogDropped(_provider.Logger, StreamId, token.SequenceNumber, _provider.QueueCapacity);
        }
    }

    public override async Task UnsubscribeAsync()
    {
        if (_unsubscribed)
        {
            return;
        }

        _unsubscribed = true;
        _stream.Remove(this);
        _queue.Writer.TryComplete();

        // From inside its own callback the loop cannot be awaited; the flag already stops further deliveries.
        if (!ReferenceEquals(CurrentDelivery.Value, this))
        {
            await _delivery.ConfigureAwait(false);
        }
    }

    private async Task DeliverAsync()
    {
        CurrentDelivery.Value = this;
        await foreach (var (item, token, enqueued) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_unsubscribed)
            {
                break;
            }

            if (enqueued != 0)
            {
                _provider.Metrics.Waited(Stopwatch.GetElapsedTime(enqueued));
            }

            try
            {
                await _observer.OnNextAsync(item, token).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                _provider.Metrics.Failed();
                LogSubscriberFailed(_provider.Logger, exception, StreamId, token.SequenceNumber);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamId} subscriber queue full ({Capacity}); event {Sequence} dropped for that subscriber")]
    private static partial void LogDropped(ILogger logger, StreamId streamId, long sequence, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {StreamId} subscriber failed on event {Sequence}; delivery continues with the next event")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception, StreamId streamId, long sequence);
}
