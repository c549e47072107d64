namespace GrainChat.Runtime;

/// <summary>
/// Marks a grain constructor parameter of type <see cref="IPersistentState{TState}"/>; the runtime injects
/// the state, loaded from storage, before <c>OnActivateAsync</c> (Orleans: <c>[PersistentState]</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    public string StateName { get; } = stateName;

    /// <summary>The storage provider's name; <see cref="GrainStorageNames.Default"/> when not given.</summary>
    public string StorageName { get; } = storageName ?? GrainStorageNames.Default;
}

public static class GrainStorageNames
{
    public const string Default = "Default";
}

/// <summary>A grain's view of one piece of persisted state (Orleans: <c>IPersistentState&lt;TState&gt;</c>).</summary>
public interface IPersistentState<TState>
{
    /// <summary>The state as last read or written; a fresh default instance when no record exists.</summary>
    TState State { get; set; }

    /// <summary>The version the grain last saw; a write made with a stale one is refused.</summary>
    string? Etag { get; }

    /// <summary>Whether a stored record exists (false before the first write and after a clear).</summary>
    bool RecordExists { get; }

    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes <see cref="State"/>; throws <see cref="InconsistentStateException"/> and changes nothing when the stored version moved on.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Clears the stored state (keeping a versioned tombstone) and resets <see cref="State"/> to its default.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>A write was made with an ETag that no longer matches storage: someone else wrote first.</summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException(string message, string? storedEtag, string? currentEtag)
        : base(message)
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    public InconsistentStateException(string message) : base(message)
    {
    }

    public InconsistentStateException()
    {
    }

    public InconsistentStateException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The version found in storage, when known.</summary>
    public string? StoredEtag { get; }

    /// <summary>The version the writer held.</summary>
    public string? CurrentEtag { get; }
}
