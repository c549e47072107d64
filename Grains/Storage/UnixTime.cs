namespace GrainChat.Grains.Storage;

public static class UnixTime
{
    public static long ToMilliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    /// <summary>Now, cut to the millisecond that storage keeps, so an acknowledgement and a later read agree.</summary>
    public static DateTimeOffset Now(TimeProvider time) => FromMilliseconds(ToMilliseconds(time.GetUtcNow()));

    public static long StartOfTodayUtc(TimeProvider time) =>
        new DateTimeOffset(time.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero).ToUnixTimeMilliseconds();
}
