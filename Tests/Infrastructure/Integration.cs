namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// Whether tests needing outside programs (PostgreSQL, Chromium) must run. CI sets
/// <c>GRAINCHAT_REQUIRE_INTEGRATION=1</c>: a missing program then fails the test instead of skipping it.
/// </summary>
public static class Integration
{
    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("GRAINCHAT_REQUIRE_INTEGRATION"), "1", StringComparison.Ordinal);
}

/// <summary>A fact that needs a PostgreSQL installation; skipped, with the reason shown, when there is none (unless required).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!Integration.Required && PostgresServer.FindBinaries() is null)
        {
            Skip = PostgresServer.MissingReason;
        }
    }
}

/// <summary>A theory variant of <see cref="PostgresFactAttribute"/>.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (!Integration.Required && PostgresServer.FindBinaries() is null)
        {
            Skip = PostgresServer.MissingReason;
        }
    }
}

/// <summary>A fact that needs Debian's Chromium; skipped, with the reason shown, when it is absent (unless required).</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string MissingReason =
        "Chromium is not installed at /usr/bin/chromium (apt-get install chromium); under GRAINCHAT_REQUIRE_INTEGRATION=1 this is a failure.";

    public BrowserFactAttribute()
    {
        if (!Integration.Required && !File.Exists(ChromiumPath))
        {
            Skip = MissingReason;
        }
    }
}

/// <summary>
/// A fact that needs to mount a small tmpfs (a disk that can fill up): root on Linux. Skipped, with the reason
/// shown, elsewhere — also under GRAINCHAT_REQUIRE_INTEGRATION, since it needs a privilege, not a program.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public const string MissingReason = "Mounting a small tmpfs (to fill a disk) needs root with CAP_SYS_ADMIN on Linux.";

    private const int CapSysAdmin = 21;

    public TmpfsFactAttribute()
    {
        if (!CanMount)
        {
            Skip = MissingReason;
        }
    }

    public static bool CanMount =>
        OperatingSystem.IsLinux()
        && string.Equals(Environment.UserName, "root", StringComparison.Ordinal)
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal)) is { } line
        && (Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16) & (1UL << CapSysAdmin)) != 0;
}
