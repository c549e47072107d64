using System.Collections.Concurrent;
using System.Globalization;
using GrainChat.Runtime;

namespace GrainChat.Silo.Persistence;

/// <summary>In-memory storage for tests, with the same ETag rules as the database providers.</summary>
public sealed class MemoryGrainStorage : IGrainStorage, IStorageHealth
{
    private readonly ConcurrentDictionary<GrainStateKey, StoredGrainState> _records = new();

    public string ProviderName => "Memory";

    public Task<StoredGrainState?> ReadAsync(GrainStateKey key, CancellationToken cancellationToken) =>
        Task.FromResult(_records.TryGetValue(key, out var stored) ? stored : null);

    public Task<string> WriteAsync(GrainStateKey key, string payload, string? etag, CancellationToken cancellationToken) =>
        Task.FromResult(Replace(key, payload, etag));

    public Task<string> ClearAsync(GrainStateKey key, string? etag, CancellationToken cancellationToken) =>
        Task.FromResult(Replace(key, null, etag));

    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private string Replace(GrainStateKey key, string? payload, string? etag)
    {
        if (etag is null)
        {
            var created = new StoredGrainState(payload, "1");
            return _records.TryAdd(key, created)
                ? created.Etag
                : throw GrainStorageErrors.Conflict(key, _records.TryGetValue(key, out var current) ? current.Etag : null, etag);
        }

        if (!_records.TryGetValue(key, out var existing) || !string.Equals(existing.Etag, etag, StringComparison.Ordinal))
        {
            throw GrainStorageErrors.Conflict(key, existing?.Etag, etag);
        }

        var next = new StoredGrainState(payload, (long.Parse(etag, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture));
        return _records.TryUpdate(key, next, existing) ? next.Etag : throw GrainStorageErrors.Conflict(key, null, etag);
    }
}
