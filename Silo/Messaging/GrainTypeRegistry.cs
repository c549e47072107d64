using System.Collections.Frozen;
using System.Reflection;
using GrainChat.Runtime;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Silo.Messaging;

/// <summary>Maps each grain interface to the one grain class that implements it.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly FrozenDictionary<Type, GrainClassInfo> _byInterface;
    private readonly FrozenDictionary<string, GrainClassInfo> _byTypeName;

    public GrainTypeRegistry(GrainClassCollection classes, SiloMetrics metrics)
    {
        var infos = classes.Distinct().Select(type => new GrainClassInfo(type, metrics)).ToArray();
        var duplicateName = infos.GroupBy(i => i.TypeName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicateName is not null)
        {
            throw new InvalidOperationException(
                $"Grain classes {string.Join(", ", duplicateName.Select(i => i.ClassType.Name))} share the grain type name '{duplicateName.Key}'; give one a [GrainType] name.");
        }

        var byInterface = new Dictionary<Type, GrainClassInfo>();
        foreach (var info in infos)
        {
            foreach (var grainInterface in info.GrainInterfaces)
            {
                if (!byInterface.TryAdd(grainInterface, info))
                {
                    throw new InvalidOperationException(
                        $"Grain interface {grainInterface.Name} is implemented by both {byInterface[grainInterface].ClassType.Name} and {info.ClassType.Name}.");
                }
            }
        }

        Classes = infos;
        _byInterface = byInterface.ToFrozenDictionary();
        _byTypeName = infos.ToFrozenDictionary(i => i.TypeName, StringComparer.Ordinal);
    }

    public IReadOnlyList<GrainClassInfo> Classes { get; }

    public GrainClassInfo GetClassFor(Type grainInterface) =>
        _byInterface.TryGetValue(grainInterface, out var info)
            ? info
            : throw new InvalidOperationException($"No grain class implementing {grainInterface.Name} is registered with the silo.");

    /// <summary>The class stored under <paramref name="typeName"/> (a grain id's type), if this silo knows it.</summary>
    public GrainClassInfo? FindByTypeName(string typeName) => _byTypeName.GetValueOrDefault(typeName);

    public static IEnumerable<Type> FindGrainClasses(Assembly assembly) =>
        assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(Grain).IsAssignableFrom(t) && typeof(IGrain).IsAssignableFrom(t));
}

/// <summary>The grain classes handed to the silo at start-up.</summary>
public sealed class GrainClassCollection : List<Type>;
