using System.Diagnostics;
using GrainChat.Silo.Activation;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Hosting;

/// <summary>Periodically answers overdue calls with a timeout and deactivates idle activations.</summary>
internal sealed class ActivationCollector(Catalog catalog, IOptions<SiloOptions> options) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    public async ValueTask DisposeAsync()
    {
        var loop = Interlocked.Exchange(ref _loop, null);
        if (loop is null)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
    }

    internal void CollectOnce()
    {
        var now = Stopwatch.GetTimestamp();
        var idleAge = options.Value.IdleDeactivation;
        foreach (var activation in catalog.Activations)
        {
            activation.ExpireRequests(now);
            activation.CollectIfIdle(idleAge);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.EffectiveCollectionInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                CollectOnce();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
