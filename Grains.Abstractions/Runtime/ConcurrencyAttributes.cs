namespace GrainChat.Runtime;

/// <summary>
/// The method does not change grain state: it may run while other <see cref="ReadOnlyAttribute"/> calls
/// of the same activation are running, but never beside a call that is not read-only (Orleans: <c>[ReadOnly]</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>
/// The method may interleave with any other call of the activation, at its await points
/// (Orleans: <c>[AlwaysInterleave]</c>). Use it for methods that touch no state, or only thread-safe state.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>Names the grain type that is stored with the grain's state (default: class name without "Grain", lower case).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// The caller does not wait (Orleans: <c>[OneWay]</c>): the call returns a completed task as soon as it is
/// queued, and a failure of the grain method is logged instead of returned. The method must return <c>Task</c>.
/// Use it to tell another grain something without creating a call cycle.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OneWayAttribute : Attribute;
