using System.Reflection;

namespace GrainChat.Silo.Messaging;

/// <summary>
/// The object behind a grain reference: every interface call becomes a request to the runtime.
/// Public and unsealed only because <see cref="DispatchProxy"/> derives from it.
/// </summary>
public class GrainProxy : DispatchProxy
{
    internal GrainRuntime Runtime { get; private set; } = null!;

    internal GrainClassInfo GrainClass { get; private set; } = null!;

    internal GrainId GrainId { get; private set; }

    /// <summary>The activation the last call went to; saves a directory lookup while it stays valid.</summary>
    internal Activation.GrainActivation? LastActivation { get; set; }

    /// <summary>
    /// A new reference to <paramref name="grainId"/>, of the same generated proxy type as this one. Copying an
    /// existing proxy keeps the generated type's own state (its method table) and costs an allocation;
    /// <see cref="DispatchProxy.Create{T, TProxy}"/> binds the generated constructor by reflection on every call
    /// (measured: about 650 ns and 280 bytes against 46 ns and 32 bytes), and a grain call starts with a reference.
    /// </summary>
    internal GrainProxy CopyFor(GrainRuntime runtime, GrainClassInfo grainClass, GrainId grainId)
    {
        var copy = (GrainProxy)MemberwiseClone();
        copy.Runtime = runtime;
        copy.GrainClass = grainClass;
        copy.GrainId = grainId;
        copy.LastActivation = null;
        return copy;
    }

    public override string ToString() => $"GrainReference:{GrainId}";

    public override bool Equals(object? obj) => obj is GrainProxy other && other.GrainId == GrainId;

    public override int GetHashCode() => GrainId.GetHashCode();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return GrainClass.GetDispatcher(targetMethod).Invoke(this, args ?? []);
    }
}
