namespace GrainChat.Runtime.Streams;

/// <summary>Identifies a stream: a namespace such as <c>room</c> and a key within it (Orleans: <c>StreamId</c>).</summary>
public readonly record struct StreamId(string Namespace, string Key)
{
    public static StreamId Create(string streamNamespace, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamNamespace);
        ArgumentNullException.ThrowIfNull(key);
        return new StreamId(streamNamespace, key);
    }

    public override string ToString() => $"{Namespace}/{Key}";
}

/// <summary>Position of an event in its stream; strictly increasing per stream in publish order.</summary>
public sealed record StreamSequenceToken(long SequenceNumber) : IComparable<StreamSequenceToken>
{
    public int CompareTo(StreamSequenceToken? other) =>
        other is null ? 1 : SequenceNumber.CompareTo(other.SequenceNumber);
}
