using System.Text;

namespace GrainChat.Silo.Cluster.Placement;

/// <summary>
/// A consistent-hash ring over the silos that host grains: each silo owns <see cref="PointsPerSilo"/> points, and
/// a grain belongs to the silo of the first point at or after the grain id's hash. Every node computes the same
/// ring from the same membership rows, so all agree on owners without talking; when a silo joins or leaves, only
/// the grains on its arcs move.
/// </summary>
internal sealed class PlacementRing
{
    public const int PointsPerSilo = 64;

    private readonly ulong[] _points;
    private readonly SiloAddress[] _owners;

    public PlacementRing(IEnumerable<SiloAddress> silos)
    {
        var points = silos
            .SelectMany(silo => Enumerable.Range(0, PointsPerSilo).Select(i => (Hash: Hash($"{silo}#{i}"), Silo: silo)))
            .OrderBy(p => p.Hash)
            .ThenBy(p => p.Silo.ToString(), StringComparer.Ordinal)
            .ToArray();
        _points = points.Select(p => p.Hash).ToArray();
        _owners = points.Select(p => p.Silo).ToArray();
        Silos = [.. _owners.Distinct()];
    }

    public static PlacementRing Empty { get; } = new([]);

    public IReadOnlyList<SiloAddress> Silos { get; }

    /// <summary>The silo that owns the grain, or null when no silo hosts grains.</summary>
    public SiloAddress? OwnerOf(GrainId grainId)
    {
        if (_points.Length == 0)
        {
            return null;
        }

        var hash = Hash(grainId.Type, grainId.Key);
        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }

        return _owners[index == _points.Length ? 0 : index];
    }

    // FNV-1a (64-bit) then a finaliser to spread the bits: stable across processes and .NET versions, unlike string.GetHashCode.
    private static ulong Hash(string type, string key)
    {
        var hash = Fnv(14695981039346656037UL, type);
        hash = Fnv(hash, "/");
        return Mix(Fnv(hash, key));
    }

    private static ulong Hash(string text) => Mix(Fnv(14695981039346656037UL, text));

    private static ulong Fnv(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong Mix(ulong value)
    {
        value ^= value >> 33;
        value *= 0xff51afd7ed558ccdUL;
        value ^= value >> 33;
        value *= 0xc4ceb9fe1a85ec53UL;
        return value ^ (value >> 33);
    }
}
