using System.Text.Json;
using GrainChat.Runtime;

namespace GrainChat.Silo.Persistence;

internal interface IPersistentStateLoader
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}

/// <summary>A grain's handle on one stored record, serialised as JSON.</summary>
internal sealed class PersistentState<TState>(GrainStateKey key, IGrainStorage storage, JsonSerializerOptions json)
    : IPersistentState<TState>, IPersistentStateLoader
{
    public TState State { get; set; } = CreateDefault();

    public string? Etag { get; private set; }

    public bool RecordExists { get; private set; }

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await storage.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        Etag = stored?.Etag;
        RecordExists = stored?.Payload is not null;
        State = stored?.Payload is { } payload
            ? JsonSerializer.Deserialize<TState>(payload, json) ?? CreateDefault()
            : CreateDefault();
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var payload = JsonSerializer.Serialize(State, json);
        Etag = await storage.WriteAsync(key, payload, Etag, cancellationToken).ConfigureAwait(false);
        RecordExists = true;
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        Etag = await storage.ClearAsync(key, Etag, cancellationToken).ConfigureAwait(false);
        RecordExists = false;
        State = CreateDefault();
    }

    private static TState CreateDefault()
    {
        try
        {
            return Activator.CreateInstance<TState>();
        }
        catch (MissingMethodException exception)
        {
            throw new InvalidOperationException($"Grain state type {typeof(TState).Name} needs a public parameterless constructor.", exception);
        }
    }
}
