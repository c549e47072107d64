using System.Reflection;
using GrainChat.Runtime;

namespace GrainChat.Silo.Messaging;

/// <summary>Creates grain references; references are cheap, hold no activation and may be kept or discarded freely.</summary>
internal sealed class GrainFactory(GrainRuntime runtime, GrainTypeRegistry registry) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        var grainClass = registry.GetClassFor(typeof(TGrainInterface));
        var proxy = (GrainProxy)(object)DispatchProxy.Create<TGrainInterface, GrainProxy>();
        proxy.Initialize(runtime, grainClass, new GrainId(grainClass.TypeName, key));
        return (TGrainInterface)(object)proxy;
    }
}
