namespace GrainChat.Tests.Infrastructure;

/// <summary>Waits for a condition that becomes true asynchronously; fails when it does not within the limit.</summary>
public static class Eventually
{
    public static Task TrueAsync(Func<bool> condition, TimeSpan limit, string? because = null) =>
        TrueAsync(() => Task.FromResult(condition()), limit, because);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan limit, string? because = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(because ?? $"The condition did not become true within {limit}.");
            }

            await Task.Delay(20);
        }
    }
}
