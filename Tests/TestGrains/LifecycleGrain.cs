using System.Collections.Concurrent;
using GrainChat.Runtime;
using GrainChat.Silo;

namespace GrainChat.Tests.TestGrains;

public interface ILifecycleGrain : IGrainWithStringKey
{
    /// <summary>Returns this activation's unique number.</summary>
    Task<Guid> GetActivationIdAsync();

    Task StartTimerAsync(TimeSpan period);

    Task DeactivateAsync();

    /// <summary>Fails the first time it is activated (per key), then succeeds.</summary>
    Task<string> PingAsync();
}

/// <summary>Records lifecycle events where the test can see them (a singleton shared with the test).</summary>
public sealed class LifecycleLog
{
    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentDictionary<string, int> TimerTicks { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> ActivationAttempts { get; } = new(StringComparer.Ordinal);
}

public sealed class LifecycleGrain(LifecycleLog log) : Grain, ILifecycleGrain
{
    public const string FailFirstActivationPrefix = "fail-first-";

    /// <summary>Keys with this prefix activate only when their activation is cancelled (at the call timeout).</summary>
    public const string EndlessActivationPrefix = "endless-";

    private readonly Guid _activationId = Guid.NewGuid();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (GrainKey.StartsWith(EndlessActivationPrefix, StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var attempt = log.ActivationAttempts.AddOrUpdate(GrainKey, 1, (_, n) => n + 1);
        if (GrainKey.StartsWith(FailFirstActivationPrefix, StringComparison.Ordinal) && attempt == 1)
        {
            throw new InvalidOperationException($"Activation {attempt} of {GrainKey} fails on purpose");
        }

        log.Events.Enqueue($"activate:{GrainKey}");
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        log.Events.Enqueue($"deactivate:{GrainKey}:{reason.Code}");
        return Task.CompletedTask;
    }

    public Task<Guid> GetActivationIdAsync() => Task.FromResult(_activationId);

    public Task StartTimerAsync(TimeSpan period)
    {
        RegisterGrainTimer(
            _ =>
            {
                log.TimerTicks.AddOrUpdate(GrainKey, 1, (_, n) => n + 1);
                return Task.CompletedTask;
            },
            period,
            period);
        return Task.CompletedTask;
    }

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<string> PingAsync() => Task.FromResult("pong");
}
