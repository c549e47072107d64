namespace GrainChat.Silo.Cluster;

/// <summary>Cluster settings, bound from <c>GrainChat:Cluster</c>. Clustering needs PostgreSQL storage.</summary>
public sealed class ClusterOptions
{
    public const string SectionName = "GrainChat:Cluster";

    /// <summary>Join the cluster named <see cref="Name"/>; off by default (a single node).</summary>
    public bool Enabled { get; set; }

    /// <summary>Cluster id: several clusters may share one database.</summary>
    public string Name { get; set; } = "grainchat";

    /// <summary>Port for silo-to-silo traffic, never the public URLs; 0 picks a free port (tests).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The address other nodes use to reach this one.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Shared secret: every silo-to-silo frame carries a MAC made with it.</summary>
    public string? Key { get; set; }

    /// <summary>False: a client-only node that hosts no grains and calls them on the others.</summary>
    public bool HostsGrains { get; set; } = true;

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A member whose last heartbeat is older than this is declared dead by any other member.</summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>What the node is, as the membership table and dashboard show it: "silo" (grain-only) or "gateway".</summary>
    internal string Role { get; set; } = "silo";

    /// <summary>Refuses settings the cluster cannot run with, naming the key to fix.</summary>
    internal void Validate(Hosting.StorageProvider storage)
    {
        if (storage != Hosting.StorageProvider.Postgres)
        {
            throw new ClusterConfigurationException(
                $"GrainChat:Cluster:Enabled is true but GrainChat:Storage:Provider is {storage}: clustering coordinates through PostgreSQL. " +
                "Set GrainChat:Storage:Provider=Postgres and ConnectionStrings:GrainChat to a PostgreSQL server, or turn clustering off.");
        }

        if (string.IsNullOrEmpty(Key) || Key.Length < 16)
        {
            throw new ClusterConfigurationException("GrainChat:Cluster:Key must be set to a shared secret of at least 16 characters when clustering is enabled.");
        }

        if (string.IsNullOrWhiteSpace(Name) || string.IsNullOrWhiteSpace(AdvertisedAddress) || SiloPort is < 0 or > 65535)
        {
            throw new ClusterConfigurationException("GrainChat:Cluster:Name, AdvertisedAddress and SiloPort (0-65535) must be valid.");
        }

        if (HeartbeatInterval <= TimeSpan.Zero || DeadAfter < HeartbeatInterval * 2)
        {
            throw new ClusterConfigurationException("GrainChat:Cluster:DeadAfter must be at least twice HeartbeatInterval, and both positive.");
        }
    }
}

/// <summary>The cluster settings cannot work; the message names the setting to change. Hosts print it and exit.</summary>
public sealed class ClusterConfigurationException : InvalidOperationException
{
    public ClusterConfigurationException(string message) : base(message)
    {
    }

    public ClusterConfigurationException()
    {
    }

    public ClusterConfigurationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
