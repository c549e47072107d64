using System.Threading.RateLimiting;

namespace GrainChat.Gateway.Chat;

/// <summary>
/// A token bucket per user for sending messages (REST and hub alike): bursts up to
/// <see cref="SendRateOptions.Burst"/>, refilled at <see cref="SendRateOptions.MessagesPerSecond"/>.
/// </summary>
internal sealed class SendRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public SendRateLimiter(Microsoft.Extensions.Options.IOptions<SendRateOptions> options)
    {
        var settings = options.Value;
        _limiter = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetTokenBucketLimiter(user, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.Burst,
            TokensPerPeriod = settings.MessagesPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }), StringComparer.Ordinal);
    }

    /// <summary>Takes a token for the user; when none is left, says how long to wait.</summary>
    public bool TryAcquire(string userKey, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(userKey);
        retryAfter = lease.IsAcquired ? TimeSpan.Zero
            : lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait
            : TimeSpan.FromSeconds(1);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Bound from <c>GrainChat:RateLimit</c>.</summary>
internal sealed class SendRateOptions
{
    public const string SectionName = "GrainChat:RateLimit";

    public int MessagesPerSecond { get; set; } = 20;

    public int Burst { get; set; } = 40;
}

/// <summary>The sender is over the send rate; retry after <see cref="RetryAfter"/>.</summary>
internal sealed class RateLimitedException(TimeSpan retryAfter)
    : Exception($"Too many messages: wait {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s before sending again")
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));
}
