namespace GrainChat.Gateway.Errors;

/// <summary>A limit on how often something may be done was reached: 429 with <c>Retry-After</c>, or a HubException with a retry hint.</summary>
internal sealed class RateLimitedException(TimeSpan retryAfter, string what)
    : Exception($"{what}: wait {SecondsOf(retryAfter)} s before trying again")
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    public int RetryAfterSeconds => SecondsOf(RetryAfter);

    private static int SecondsOf(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
}
