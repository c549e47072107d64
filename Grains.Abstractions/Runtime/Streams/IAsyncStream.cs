namespace GrainChat.Runtime.Streams;

/// <summary>Named source of streams (Orleans: <c>IStreamProvider</c>).</summary>
public interface IStreamProvider
{
    string Name { get; }

    IAsyncStream<T> GetStream<T>(StreamId streamId);
}

public static class StreamProviderNames
{
    public const string Default = "Default";
}

/// <summary>A stream of events of one type (Orleans: <c>IAsyncStream&lt;T&gt;</c>).</summary>
public interface IAsyncStream<T>
{
    StreamId StreamId { get; }

    /// <summary>Publishes an event; returns once it is accepted for delivery, not once it is delivered.</summary>
    Task OnNextAsync(T item);

    Task<StreamSubscriptionHandle<T>> SubscribeAsync(IAsyncObserver<T> observer);

    Task<StreamSubscriptionHandle<T>> SubscribeAsync(Func<T, StreamSequenceToken, Task> onNextAsync);
}

/// <summary>Receives a stream's events (Orleans: <c>IAsyncObserver&lt;T&gt;</c>).</summary>
public interface IAsyncObserver<in T>
{
    Task OnNextAsync(T item, StreamSequenceToken token);
}

/// <summary>A live subscription; dispose of it with <see cref="UnsubscribeAsync"/>.</summary>
public abstract class StreamSubscriptionHandle<T>
{
    public abstract StreamId StreamId { get; }

    public abstract Guid HandleId { get; }

    /// <summary>Ends the subscription; when it returns, the observer gets no further events.</summary>
    public abstract Task UnsubscribeAsync();
}
