using System.Text.Json;
using GrainChat.Runtime;

namespace GrainChat.Silo.Persistence;

internal interface IPersistentStateLoader
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}

/// <summary>A grain's handle on one stored record, serialised as JSON.</summary>
/// <remarks>
/// A write that fails for any reason but a version conflict deactivates the grain once its turn ends: the state
/// it changed in memory was not stored, and the next activation reads what was.
/// </remarks>
internal sealed class PersistentState<TState>(GrainStateKey key, IGrainStorage storage, JsonSerializerOptions json, IGrainContext grain)
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
        try
        {
            Etag = await storage.WriteAsync(key, payload, Etag, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not InconsistentStateException)
        {
            DeactivateAfterFailedWrite(exception);
            throw;
        }

        RecordExists = true;
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Etag = await storage.ClearAsync(key, Etag, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not InconsistentStateException)
        {
            DeactivateAfterFailedWrite(exception);
            throw;
        }

        RecordExists = false;
        State = CreateDefault();
    }

    private void DeactivateAfterFailedWrite(Exception exception) =>
        grain.Deactivate(new DeactivationReason(DeactivationReasonCode.StateWriteFailed, $"Writing {key} failed: {exception.GetType().Name}"));

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
