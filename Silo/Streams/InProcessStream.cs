using System.Collections.Immutable;
using GrainChat.Runtime.Streams;

namespace GrainChat.Silo.Streams;

/// <summary>One stream: assigns sequence tokens and fans each event out to every subscriber's queue, in publish order.</summary>
internal sealed class InProcessStream<T>(StreamId streamId, InProcessStreamProvider provider)
    : IAsyncStream<T>
{
    private readonly object _publishLock = new();
    private ImmutableArray<StreamSubscription<T>> _subscriptions = [];
    private long _sequence;

    public StreamId StreamId => streamId;

    public bool HasSubscribers => !_subscriptions.IsEmpty;

    public Task OnNextAsync(T item)
    {
        // One lock per stream keeps token order and queue order the same for every subscriber.
        lock (_publishLock)
        {
            var token = new StreamSequenceToken(++_sequence);
            foreach (var subscription in _subscriptions)
            {
                subscription.Enqueue(item, token);
            }
        }

        provider.Metrics.Published();
        return Task.CompletedTask;
    }

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var subscription = new StreamSubscription<T>(this, observer, provider);
        lock (_publishLock)
        {
            _subscriptions = _subscriptions.Add(subscription);
        }

        provider.Metrics.Subscribed();
        return Task.FromResult<StreamSubscriptionHandle<T>>(subscription);
    }

    public Task<StreamSubscriptionHandle<T>> SubscribeAsync(Func<T, StreamSequenceToken, Task> onNextAsync)
    {
        ArgumentNullException.ThrowIfNull(onNextAsync);
        return SubscribeAsync(new DelegateObserver(onNextAsync));
    }

    internal void Remove(StreamSubscription<T> subscription)
    {
        lock (_publishLock)
        {
            var before = _subscriptions.Length;
            _subscriptions = _subscriptions.Remove(subscription);
            if (_subscriptions.Length != before)
            {
                provider.Metrics.Unsubscribed();
            }
        }
    }

    private sealed class DelegateObserver(Func<T, StreamSequenceToken, Task> onNextAsync) : IAsyncObserver<T>
    {
        public Task OnNextAsync(T item, StreamSequenceToken token) => onNextAsync(item, token);
    }
}
