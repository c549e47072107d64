using GrainChat.Runtime;

namespace GrainChat.Silo.Persistence;

/// <summary>Which stored record a piece of grain state lives in.</summary>
public readonly record struct GrainStateKey(string GrainType, string GrainKey, string StateName)
{
    public override string ToString() => $"{GrainType}/{GrainKey}/{StateName}";
}

/// <summary>A stored record: its JSON payload (null for a cleared record) and its version as an ETag.</summary>
public sealed record StoredGrainState(string? Payload, string Etag);

/// <summary>
/// Stores grain state with optimistic concurrency (Orleans: <c>IGrainStorage</c>). Every write names the ETag
/// the writer last saw; when storage has moved on, the write changes nothing and throws
/// <see cref="GrainChat.Runtime.InconsistentStateException"/>.
/// </summary>
public interface IGrainStorage
{
    /// <summary>The stored record, or null when there has never been one.</summary>
    Task<StoredGrainState?> ReadAsync(GrainStateKey key, CancellationToken cancellationToken);

    /// <summary>Writes the payload if the stored version is <paramref name="etag"/> (null: no record yet); returns the new ETag.</summary>
    Task<string> WriteAsync(GrainStateKey key, string payload, string? etag, CancellationToken cancellationToken);

    /// <summary>Replaces the payload with a tombstone under the same rule as <see cref="WriteAsync"/>; returns the new ETag.</summary>
    Task<string> ClearAsync(GrainStateKey key, string? etag, CancellationToken cancellationToken);
}

/// <summary>Whether storage is reachable, and what it is called, for health checks and operators.</summary>
public interface IStorageHealth
{
    /// <summary>Runs a trivial query; throws when storage cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>The provider name shown to operators: Sqlite, Postgres or Memory.</summary>
    string ProviderName { get; }
}

internal static class GrainStorageErrors
{
    /// <summary>The answer to a write whose ETag no longer matches what is stored.</summary>
    public static InconsistentStateException Conflict(GrainStateKey key, string? storedEtag, string? etag) =>
        new($"Version conflict writing {key}: the writer held ETag '{etag ?? "none"}' but storage holds '{storedEtag ?? "unknown"}'.", storedEtag, etag);
}
