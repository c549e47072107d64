using System.Text.Json;
using GrainChat.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Silo.Persistence;

/// <summary>Creates the <see cref="IPersistentState{TState}"/> handed to a grain constructor.</summary>
internal sealed class PersistentStateFactory(IServiceProvider services)
{
    public IPersistentStateLoader Create(Type parameterType, IGrainContext grain, PersistentStateAttribute attribute)
    {
        if (!parameterType.IsGenericType || parameterType.GetGenericTypeDefinition() != typeof(IPersistentState<>))
        {
            throw new InvalidOperationException($"[PersistentState] is allowed on IPersistentState<T> parameters only, not {parameterType.Name}.");
        }

        var storage = services.GetKeyedService<IGrainStorage>(attribute.StorageName)
            ?? throw new InvalidOperationException($"No grain storage named '{attribute.StorageName}' is configured.");
        var stateType = typeof(PersistentState<>).MakeGenericType(parameterType.GetGenericArguments()[0]);
        var key = new GrainStateKey(grain.GrainId.Type, grain.GrainId.Key, attribute.StateName);
        return (IPersistentStateLoader)Activator.CreateInstance(stateType, key, storage, GrainStateJson.Options, grain)!;
    }
}

/// <summary>The one, cached set of JSON options for grain state.</summary>
public static class GrainStateJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
