using GrainChat.Silo.Activation;
using GrainChat.Silo.Persistence;
using GrainChat.Silo.Persistence.Sql;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Hosting;

/// <summary>Starts the silo with the host (database schema first) and stops it gracefully: every activation deactivates.</summary>
internal sealed partial class SiloHostedService(
    IStorageHealth storage,
    SchemaMigrator migrator,
    Catalog catalog,
    ActivationCollector collector,
    ILogger<SiloHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        collector.Start();
        LogStarted(logger, storage.ProviderName);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await catalog.DeactivateAllAsync(cancellationToken).ConfigureAwait(false);
        await collector.DisposeAsync().ConfigureAwait(false);
        LogStopped(logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo started with {StorageProvider} storage")]
    private static partial void LogStarted(ILogger logger, string storageProvider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo stopped; all activations deactivated")]
    private static partial void LogStopped(ILogger logger);
}
