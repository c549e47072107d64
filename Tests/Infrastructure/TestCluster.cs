using System.Globalization;
using GrainChat.Runtime;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster;
using GrainChat.Silo.Cluster.Membership;
using GrainChat.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// Several test silos in this process forming one cluster on one PostgreSQL database, with the real membership
/// table, the real silo-to-silo WebSockets on loopback ports and the real notification streams (the role of
/// Orleans' TestingHost <c>TestCluster</c>). Timings are shortened so failures are detected in seconds.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string Key = "test-cluster-key-0123456789abcdef";
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly string _connectionString;
    private readonly string _name = $"test-{Guid.NewGuid():N}";
    private readonly bool _chatGrains;
    private readonly List<TestSilo> _silos = [];

    private TestCluster(string connectionString, bool chatGrains)
    {
        _connectionString = connectionString;
        _chatGrains = chatGrains;
    }

    public IReadOnlyList<TestSilo> Silos => _silos;

    public static async Task<TestCluster> StartAsync(string connectionString, int silos = 3, bool chatGrains = false)
    {
        var cluster = new TestCluster(connectionString, chatGrains);
        for (var i = 0; i < silos; i++)
        {
            await cluster.AddSiloAsync();
        }

        await cluster.WaitForActiveMembersAsync(silos);
        return cluster;
    }

    public Dictionary<string, string?> Settings(string? key = null) => new(StringComparer.Ordinal)
    {
        ["GrainChat:Cluster:Enabled"] = "true",
        ["GrainChat:Cluster:Name"] = _name,
        ["GrainChat:Cluster:Key"] = key ?? Key,
        ["GrainChat:Cluster:SiloPort"] = "0",
        ["GrainChat:Cluster:HeartbeatInterval"] = HeartbeatInterval.ToString("c", CultureInfo.InvariantCulture),
        ["GrainChat:Cluster:DeadAfter"] = DeadAfter.ToString("c", CultureInfo.InvariantCulture),
        ["GrainChat:Silo:CallTimeout"] = CallTimeout.ToString("c", CultureInfo.InvariantCulture),
    };

    public async Task<TestSilo> AddSiloAsync(Action<Dictionary<string, string?>>? more = null)
    {
        var settings = Settings();
        more?.Invoke(settings);
        var silo = await TestSilo.StartPostgresAsync(
            _connectionString,
            values =>
            {
                foreach (var (key, value) in settings)
                {
                    values[key] = value;
                }
            },
            services =>
            {
                if (_chatGrains)
                {
                    services.AddChatGrains(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
                }
            });
        _silos.Add(silo);
        return silo;
    }

    public static ClusterMembership Membership(TestSilo silo) => silo.Services.GetRequiredService<ClusterMembership>();

    public static SiloAddress AddressOf(TestSilo silo) => Membership(silo).Self;

    /// <summary>The silo that owns the grain in <paramref name="viewer"/>'s view.</summary>
    public static SiloAddress? OwnerOf(TestSilo viewer, GrainId grainId) => Membership(viewer).View.Ring.OwnerOf(grainId);

    /// <summary>A key, starting with <paramref name="prefix"/>, of a grain that <paramref name="owner"/> owns in every silo's view.</summary>
    public string KeyOwnedBy(TestSilo owner, string grainType, string prefix)
    {
        var address = AddressOf(owner);
        for (var i = 0; i < 10_000; i++)
        {
            var key = $"{prefix}-{i}";
            if (_silos.All(viewer => OwnerOf(viewer, new GrainId(grainType, key)) == address))
            {
                return key;
            }
        }

        throw new InvalidOperationException($"No key of {grainType} maps to {address}.");
    }

    /// <summary>How many activations of the grain exist across the live silos.</summary>
    public int ActivationsOf(GrainId grainId, IEnumerable<TestSilo>? among = null) =>
        (among ?? _silos).Sum(silo => silo.Services.GetRequiredService<Catalog>().Activations.Count(a => a.Id == grainId));

    public async Task WaitForActiveMembersAsync(int count, IEnumerable<TestSilo>? viewers = null)
    {
        foreach (var viewer in viewers ?? _silos)
        {
            await Eventually.TrueAsync(
                () => Membership(viewer).View.Members.Count(m => m.Status == SiloStatus.Active) == count,
                TimeSpan.FromSeconds(20),
                $"{AddressOf(viewer)} sees {count} active members");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }
}
