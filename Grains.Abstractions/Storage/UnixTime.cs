namespace GrainChat.Storage;

/// <summary>Times as storage keeps them: Unix milliseconds, UTC, so both databases share the SQL.</summary>
public static class UnixTime
{
    public static long ToMilliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    /// <summary>Now, cut to the millisecond that storage keeps, so an acknowledgement and a later read agree.</summary>
    public static DateTimeOffset Now(TimeProvider time) => FromMilliseconds(ToMilliseconds(time.GetUtcNow()));
}
