using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Limits;

/// <summary>The Gateway's rate limits, one named bucket set each (settings in <see cref="RateLimitOptions"/>).</summary>
internal sealed class ChatRateLimits
{
    public ChatRateLimits(IOptions<RateLimitOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        Sends = new KeyedRateLimiter("Too many messages", settings.Burst, settings.MessagesPerSecond, TimeSpan.FromSeconds(1), time);
        Broadcasts = new KeyedRateLimiter("Too many broadcasts", settings.BroadcastBurst, settings.BroadcastsPerSecond, TimeSpan.FromSeconds(1), time);
        LoginsByAddress = new KeyedRateLimiter(
            "Too many login attempts from this address", settings.LoginsPerMinutePerAddress, settings.LoginsPerMinutePerAddress, TimeSpan.FromMinutes(1), time);
        FailedLoginsByUsername = new KeyedRateLimiter("Too many failed logins for this username", settings.FailedLoginsPerUsername, 1, settings.FailedLoginRefill, time);
        RoomCreations = new KeyedRateLimiter("Too many rooms created", settings.RoomsCreatedPerHour, settings.RoomsCreatedPerHour, TimeSpan.FromHours(1), time);
        JoinsAndLeaves = new KeyedRateLimiter("Too many joins and leaves", settings.JoinsPerMinute, settings.JoinsPerMinute, TimeSpan.FromMinutes(1), time);
        RegistrationsByAddress = new KeyedRateLimiter(
            "Too many registrations from this address", settings.RegistrationsPerHourPerAddress, settings.RegistrationsPerHourPerAddress, TimeSpan.FromHours(1), time);
    }

    /// <summary>Per user key.</summary>
    public KeyedRateLimiter Sends { get; }

    /// <summary>Per user key.</summary>
    public KeyedRateLimiter Broadcasts { get; }

    /// <summary>Per client address.</summary>
    public KeyedRateLimiter LoginsByAddress { get; }

    /// <summary>Per user key; only failures take a token.</summary>
    public KeyedRateLimiter FailedLoginsByUsername { get; }

    /// <summary>Per user key.</summary>
    public KeyedRateLimiter RoomCreations { get; }

    /// <summary>Per user key.</summary>
    public KeyedRateLimiter JoinsAndLeaves { get; }

    /// <summary>Per client address.</summary>
    public KeyedRateLimiter RegistrationsByAddress { get; }
}
