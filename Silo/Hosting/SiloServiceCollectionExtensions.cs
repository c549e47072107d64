using System.Reflection;
using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster;
using GrainChat.Silo.Messaging;
using GrainChat.Silo.Persistence;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Silo.Streams;
using GrainChat.Silo.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainChat.Silo.Hosting;

public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// Adds the grain runtime, configured from <c>GrainChat:Silo</c>, <c>GrainChat:Storage</c> and
    /// <c>ConnectionStrings:GrainChat</c>, hosting the grain classes found in <paramref name="grainAssemblies"/>.
    /// </summary>
    public static IServiceCollection AddGrainChatSilo(this IServiceCollection services, IConfiguration configuration, params Assembly[] grainAssemblies)
    {
        services.AddOptions<SiloOptions>().Bind(configuration.GetSection(SiloOptions.SectionName));
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).Configure(storage =>
            storage.ConnectionString = configuration.GetConnectionString(StorageOptions.ConnectionStringName) ?? storage.ConnectionString);

        var grainClasses = new GrainClassCollection();
        grainClasses.AddRange(grainAssemblies.SelectMany(GrainTypeRegistry.FindGrainClasses));
        return services.AddGrainChatSiloCore(grainClasses).AddGrainChatCluster(configuration);
    }

    /// <summary>Adds more grain classes (tests use this for grains defined beside them).</summary>
    public static IServiceCollection AddGrainClasses(this IServiceCollection services, params Type[] grainClasses)
    {
        services.AddSingleton(new GrainClassRegistration(grainClasses));
        return services;
    }

    private static IServiceCollection AddGrainChatSiloCore(this IServiceCollection services, GrainClassCollection grainClasses)
    {
        services.AddMetrics();
        services.AddSingleton(new GrainClassRegistration([.. grainClasses]));
        services.TryAddSingleton(sp =>
        {
            var all = new GrainClassCollection();
            all.AddRange(sp.GetServices<GrainClassRegistration>().SelectMany(r => r.Classes));
            return new GrainTypeRegistry(all, sp.GetRequiredService<SiloMetrics>());
        });
        services.TryAddSingleton<SiloMetrics>();
        services.TryAddSingleton<StreamMetrics>();
        services.TryAddSingleton<Catalog>();
        services.TryAddSingleton<GrainRuntime>();
        services.TryAddSingleton<GrainActivator>();
        services.TryAddSingleton<PersistentStateFactory>();
        services.TryAddSingleton<IGrainFactory, GrainFactory>();
        services.TryAddSingleton<ActivationCollector>();
        services.TryAddSingleton(sp => new SiloStatistics(
            sp.GetRequiredService<Catalog>(),
            sp.GetRequiredService<GrainTypeRegistry>(),
            sp.GetRequiredService<SiloMetrics>(),
            sp.GetRequiredService<StreamMetrics>(),
            sp.GetRequiredService<IStorageHealth>()));

        services.TryAddSingleton<InProcessStreamProvider>();
        services.TryAddKeyedSingleton<IStreamProvider>(StreamProviderNames.Default, (sp, _) => sp.GetRequiredService<InProcessStreamProvider>());
        services.TryAddSingleton<IStreamProvider>(sp => sp.GetRequiredKeyedService<IStreamProvider>(StreamProviderNames.Default));

        services.AddSingleton(CoreMigrations.GrainState);
        services.TryAddSingleton<SqlDialect>(sp =>
        {
            var storage = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value;
            return storage.Provider switch
            {
                StorageProvider.Postgres => new PostgresDialect(storage.ConnectionString),
                StorageProvider.Memory => SqliteDialect.Throwaway(),
                _ => new SqliteDialect(storage.ConnectionString),
            };
        });
        services.TryAddSingleton<SchemaMigrator>();
        services.TryAddSingleton<MemoryGrainStorage>();
        services.TryAddSingleton<SqlGrainStorage>();
        services.TryAddSingleton<IStorageHealth>(sp => IsMemory(sp) ? sp.GetRequiredService<MemoryGrainStorage>() : sp.GetRequiredService<SqlGrainStorage>());
        services.TryAddKeyedSingleton<IGrainStorage>(GrainStorageNames.Default, (sp, _) => (IGrainStorage)sp.GetRequiredService<IStorageHealth>());

        services.AddHostedService<SiloHostedService>();
        return services;
    }

    private static bool IsMemory(IServiceProvider services) =>
        services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.Provider == StorageProvider.Memory;

    internal sealed record GrainClassRegistration(Type[] Classes);
}
