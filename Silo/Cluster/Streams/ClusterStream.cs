using System.Text.Json;
using GrainChat.Runtime.Streams;
using GrainChat.Silo.Streams;

namespace GrainChat.Silo.Cluster.Streams;

/// <summary>
/// One stream on one node of a cluster: local subscribers through the in-process stream, events published here
/// also sent to the other nodes, events from other nodes delivered here — with duplicates dropped and gaps filled
/// when the stream has a stored sequence.
/// </summary>
internal sealed class ClusterStream<T>(InProcessStream<T> local, ClusterStreamProvider provider, IStreamCatchUp<T>? catchUp)
    : IAsyncStream<T>, IClusterStream
{
    private readonly SemaphoreSlim _order = new(1, 1);

    // The last stored sequence number delivered here; -1 while unknown (no subscriber, or none since subscribing).
    private long _lastSequence = -1;

    public StreamId StreamId => local.StreamId;

    public async Task OnNextAsync(T item)
    {
        await _order.WaitAsync().ConfigureAwait(false);
        try
        {
            if (IsNew(item))
            {
                await local.OnNextAsync(item).ConfigureAwait(false);
            }
        }
        finally
        {
            _order.Release();
        }

        provider.Publish(StreamId, item);
    }

    public async Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer)
    {
        await _order.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!local.HasSubscribers)
            {
                _lastSequence = -1;
            }

            return await local.SubscribeAsync(observer).ConfigureAwait(false);
        }
        finally
        {
            _order.Release();
        }
    }

    public async Task<StreamSubscriptionHandle<T>> SubscribeAsync(Func<T, StreamSequenceToken, Task> onNextAsync)
    {
        await _order.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!local.HasSubscribers)
            {
                _lastSequence = -1;
            }

            return await local.SubscribeAsync(onNextAsync).ConfigureAwait(false);
        }
        finally
        {
            _order.Release();
        }
    }

    public async Task DeliverRemoteAsync(JsonElement json, CancellationToken cancellationToken)
    {
        if (!local.HasSubscribers)
        {
            return;
        }

        var item = json.Deserialize<T>(Calls.RemoteCallCodec.Json)!;
        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (catchUp?.SequenceOf(item) is { } sequence && _lastSequence >= 0 && sequence > _lastSequence + 1)
            {
                await DeliverStoredAsync(sequence - 1, cancellationToken).ConfigureAwait(false);
            }

            if (IsNew(item))
            {
                await local.OnNextAsync(item).ConfigureAwait(false);
            }
        }
        finally
        {
            _order.Release();
        }
    }

    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (catchUp is null || !local.HasSubscribers)
        {
            return;
        }

        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_lastSequence >= 0)
            {
                await DeliverStoredAsync(long.MaxValue, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _order.Release();
        }
    }

    private async Task DeliverStoredAsync(long upTo, CancellationToken cancellationToken)
    {
        foreach (var missed in await catchUp!.ReadAfterAsync(StreamId, _lastSequence, upTo, cancellationToken).ConfigureAwait(false))
        {
            if (IsNew(missed))
            {
                await local.OnNextAsync(missed).ConfigureAwait(false);
            }
        }
    }

    /// <summary>False for an event with a sequence number already delivered here; otherwise records it.</summary>
    private bool IsNew(T item)
    {
        if (catchUp?.SequenceOf(item) is not { } sequence)
        {
            return true;
        }

        if (sequence <= _lastSequence)
        {
            return false;
        }

        _lastSequence = sequence;
        return true;
    }
}
