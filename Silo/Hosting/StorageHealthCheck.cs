using GrainChat.Silo.Persistence;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GrainChat.Silo.Hosting;

/// <summary>Ready when grain storage answers a trivial query.</summary>
public sealed class StorageHealthCheck(IStorageHealth storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await storage.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{storage.ProviderName} storage reachable");
        }
        catch (Exception exception)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{storage.ProviderName} storage unreachable", exception);
        }
    }
}
