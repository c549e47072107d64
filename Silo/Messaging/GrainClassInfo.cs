using System.Collections.Frozen;
using System.Reflection;
using GrainChat.Runtime;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Silo.Messaging;

/// <summary>What the runtime knows about one grain class: its stored type name and a dispatcher per interface method.</summary>
internal sealed class GrainClassInfo
{
    private readonly FrozenDictionary<MethodInfo, MethodDispatcher> _dispatchers;
    private readonly FrozenDictionary<string, MethodDispatcher> _dispatchersByKey;
    private int _activationCount;

    public GrainClassInfo(Type grainClass, SiloMetrics metrics)
    {
        ClassType = grainClass;
        TypeName = GetTypeName(grainClass);
        IsSiloBound = grainClass.IsDefined(typeof(SiloBoundAttribute), inherit: false);
        GrainInterfaces = grainClass.GetInterfaces()
            .Where(i => i != typeof(IGrainWithStringKey) && i != typeof(IGrain) && typeof(IGrain).IsAssignableFrom(i))
            .ToArray();

        var dispatchers = new Dictionary<MethodInfo, MethodDispatcher>();
        foreach (var grainInterface in GrainInterfaces)
        {
            var map = grainClass.GetInterfaceMap(grainInterface);
            for (var i = 0; i < map.InterfaceMethods.Length; i++)
            {
                var stats = metrics.GetMethodStatistics(TypeName, map.InterfaceMethods[i].Name);
                dispatchers[map.InterfaceMethods[i]] = MethodDispatcher.Create(this, map.InterfaceMethods[i], map.TargetMethods[i], stats);
            }
        }

        _dispatchers = dispatchers.ToFrozenDictionary();
        _dispatchersByKey = dispatchers.Values.ToFrozenDictionary(d => d.Key, StringComparer.Ordinal);
    }

    public Type ClassType { get; }

    /// <summary>The name stored with the grain's state; stable across renames when <see cref="GrainTypeAttribute"/> is used.</summary>
    public string TypeName { get; }

    public IReadOnlyList<Type> GrainInterfaces { get; }

    /// <summary>Its key names the silo it runs on (<see cref="SiloBoundAttribute"/>).</summary>
    public bool IsSiloBound { get; }

    public int ActivationCount => Volatile.Read(ref _activationCount);

    public MethodDispatcher GetDispatcher(MethodInfo interfaceMethod) =>
        _dispatchers.TryGetValue(interfaceMethod, out var dispatcher)
            ? dispatcher
            : throw new InvalidOperationException($"Method {interfaceMethod.Name} is not part of a grain interface of {ClassType.Name}.");

    public MethodDispatcher? FindDispatcher(string key) => _dispatchersByKey.GetValueOrDefault(key);

    public void OnActivationCreated() => Interlocked.Increment(ref _activationCount);

    public void OnActivationRemoved() => Interlocked.Decrement(ref _activationCount);

    private static string GetTypeName(Type grainClass)
    {
        if (grainClass.GetCustomAttribute<GrainTypeAttribute>() is { } attribute)
        {
            return attribute.Name;
        }

        var name = grainClass.Name;
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
        {
            name = name[..^"Grain".Length];
        }

        return name.ToLowerInvariant();
    }
}
