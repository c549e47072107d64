namespace GrainChat.Gateway.Limits;

/// <summary>Bound from <c>GrainChat:RateLimit</c>; every limit is per key, refilled continuously.</summary>
internal sealed class RateLimitOptions
{
    public const string SectionName = "GrainChat:RateLimit";

    /// <summary>Messages (room and direct, REST and hub) per user per second.</summary>
    public int MessagesPerSecond { get; set; } = 20;

    public int Burst { get; set; } = 40;

    /// <summary>The hub's <c>Message</c> and <c>Broadcast</c> calls per user per second (together).</summary>
    public int BroadcastsPerSecond { get; set; } = 2;

    public int BroadcastBurst { get; set; } = 10;

    /// <summary>Login attempts per client address per minute, whatever the username.</summary>
    public int LoginsPerMinutePerAddress { get; set; } = 30;

    /// <summary>
    /// Failed logins a username may take before further attempts are refused, except from an address that has
    /// logged in as that user before; one more is allowed each <see cref="FailedLoginRefill"/>.
    /// </summary>
    public int FailedLoginsPerUsername { get; set; } = 10;

    public TimeSpan FailedLoginRefill { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rooms one user may create per hour.</summary>
    public int RoomsCreatedPerHour { get; set; } = 20;

    /// <summary>Joins and leaves (together) per user per minute: each rewrites member lists and refreshes every member's sidebar.</summary>
    public int JoinsPerMinute { get; set; } = 30;

    /// <summary>Accounts registered per client address per hour.</summary>
    public int RegistrationsPerHourPerAddress { get; set; } = 20;
}
