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

    internal void Initialize(GrainRuntime runtime, GrainClassInfo grainClass, GrainId grainId)
    {
        Runtime = runtime;
        GrainClass = grainClass;
        GrainId = grainId;
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
