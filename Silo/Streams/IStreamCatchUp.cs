using GrainChat.Runtime.Streams;

namespace GrainChat.Silo.Streams;

/// <summary>
/// For streams whose events (some of them) have a gap-free sequence kept in storage, such as a room's messages:
/// lets a stream that crosses nodes drop duplicates and fill gaps from storage instead of skipping events.
/// </summary>
public interface IStreamCatchUp<T>
{
    /// <summary>The event's number in its stream's stored sequence, or null for events that have none.</summary>
    long? SequenceOf(T item);

    /// <summary>The stored events after <paramref name="after"/>, up to and including <paramref name="upTo"/>, in order.</summary>
    Task<IReadOnlyList<T>> ReadAfterAsync(StreamId streamId, long after, long upTo, CancellationToken cancellationToken);
}
