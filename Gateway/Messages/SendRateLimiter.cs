using System.Threading.RateLimiting;
using GrainChat.Chat;
using GrainChat.Gateway.Errors;
using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Messages;

/// <summary>
/// A token bucket per user for sending messages (rooms and direct, REST and hub alike): bursts up to
/// <see cref="SendRateOptions.Burst"/>, refilled at <see cref="SendRateOptions.MessagesPerSecond"/>. A send
/// that is refused by the room (not a member, bad text) has used its token too.
/// </summary>
internal sealed class SendRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public SendRateLimiter(IOptions<SendRateOptions> options)
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

    /// <summary>Takes a token for the sender, or throws <see cref="RateLimitedException"/> saying how long to wait.</summary>
    public void ThrowIfOverRate(string sender)
    {
        using var lease = _limiter.AttemptAcquire(ChatKeys.UserKey(sender));
        if (!lease.IsAcquired)
        {
            throw new RateLimitedException(
                lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1),
                "Too many messages");
        }
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
