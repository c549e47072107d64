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
        return (TGrainInterface)(object)Prototype<TGrainInterface>.Proxy.CopyFor(runtime, grainClass, new GrainId(grainClass.TypeName, key));
    }

    /// <summary>One proxy of the interface's generated type, which every reference to such a grain copies.</summary>
    private static class Prototype<TGrainInterface>
    {
        public static readonly GrainProxy Proxy = (GrainProxy)(object)DispatchProxy.Create<TGrainInterface, GrainProxy>()!;
    }
}
