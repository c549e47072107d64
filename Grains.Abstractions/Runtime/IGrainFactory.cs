namespace GrainChat.Runtime;

/// <summary>Hands out references to grains; a call through a reference activates the grain on demand.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain of interface <typeparamref name="TGrainInterface"/> with the given key.</summary>
    /// <remarks>Cheap and never does I/O: the grain is activated by the first call made through the reference.</remarks>
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;
}
