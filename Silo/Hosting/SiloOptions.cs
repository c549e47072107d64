namespace GrainChat.Silo.Hosting;

/// <summary>Runtime settings, bound from <c>GrainChat:Silo</c>.</summary>
public sealed class SiloOptions
{
    public const string SectionName = "GrainChat:Silo";

    /// <summary>An activation that receives no call for this long is deactivated (Orleans: collection age).</summary>
    public TimeSpan IdleDeactivation { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A call not answered within this time fails with <see cref="TimeoutException"/> (Orleans: response timeout).</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often idle activations and overdue calls are looked for; by default a quarter of the shorter of the two limits, at most a second.</summary>
    public TimeSpan? CollectionInterval { get; set; }

    /// <summary>Events a stream subscriber may have waiting before further events for it are dropped.</summary>
    public int StreamSubscriberQueueCapacity { get; set; } = 10_000;

    internal TimeSpan EffectiveCollectionInterval =>
        CollectionInterval ?? TimeSpan.FromTicks(Math.Clamp(Math.Min(IdleDeactivation.Ticks, CallTimeout.Ticks) / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
}

/// <summary>Where grain state lives, bound from <c>GrainChat:Storage</c> and <c>ConnectionStrings:GrainChat</c>.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "GrainChat:Storage";
    public const string ConnectionStringName = "GrainChat";
    public const string DefaultConnectionString = "Data Source=data/grainchat.db";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    public string ConnectionString { get; set; } = DefaultConnectionString;
}

public enum StorageProvider
{
    Sqlite,
    Postgres,

    /// <summary>Tests only: nothing survives the process.</summary>
    Memory,
}
