using GrainChat.Runtime.Streams;
using GrainChat.Silo.Cluster.Identity;
using GrainChat.Silo.Cluster.Membership;
using GrainChat.Silo.Cluster.Streams;
using GrainChat.Silo.Cluster.Transport;
using GrainChat.Silo.Hosting;
using GrainChat.Silo.Persistence.Sql;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Cluster;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>Whether <c>GrainChat:Cluster:Enabled</c> is on.</summary>
    public static bool IsClusterEnabled(this IConfiguration configuration) =>
        configuration.GetSection(ClusterOptions.SectionName).GetValue<bool>(nameof(ClusterOptions.Enabled));

    /// <summary>Marks this node as a Gateway (serving clients) in the membership table, so operators can tell the roles apart.</summary>
    public static IServiceCollection AddGatewayNodeRole(this IServiceCollection services) =>
        services.PostConfigure<ClusterOptions>(options => options.Role = "gateway");

    /// <summary>
    /// Makes this silo a member of the cluster configured under <c>GrainChat:Cluster</c> when it is enabled:
    /// membership, placement, the silo port, cross-node streams and the shared key ring. Settings the cluster
    /// cannot run with (SQLite storage, no key) stop the start-up here, with a message naming the key to fix.
    /// </summary>
    internal static IServiceCollection AddGrainChatCluster(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(ClusterOptions.SectionName);
        services.AddOptions<ClusterOptions>().Bind(section);
        services.AddSingleton(sp => new ClusterInfo(sp.GetService<ClusterMembership>()));
        if (!configuration.IsClusterEnabled())
        {
            return services;
        }

        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        (section.Get<ClusterOptions>() ?? new ClusterOptions()).Validate(storage.Provider);

        services.AddSingleton(MembershipTable.Migration);
        services.AddSingleton(ClusterStreamProvider.Migration);
        services.AddSingleton(SqlXmlRepository.Migration);
        services.AddSingleton(sp => ((PostgresDialect)sp.GetRequiredService<SqlDialect>()).DataSource);
        services.AddSingleton(sp => new MembershipTable(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Name));
        services.AddSingleton<ClusterMembership>();
        services.AddSingleton<ClusterNotifications>();
        services.AddSingleton<SiloConnections>();
        services.AddSingleton<SiloEndpoint>();
        services.AddSingleton<ClusterRouter>();
        services.AddSingleton<ClusterStreamProvider>();
        foreach (var inProcess in services.Where(d => d.ServiceType == typeof(IStreamProvider) && Equals(d.ServiceKey, StreamProviderNames.Default)).ToArray())
        {
            services.Remove(inProcess);
        }

        services.AddKeyedSingleton<IStreamProvider>(StreamProviderNames.Default, (sp, _) => sp.GetRequiredService<ClusterStreamProvider>());
        services.AddHostedService<ClusterHostedService>();

        services.AddSingleton<SqlXmlRepository>();
        services.AddOptions<KeyManagementOptions>().Configure<SqlXmlRepository>((options, repository) => options.XmlRepository = repository);
        return services;
    }
}
