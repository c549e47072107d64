using GrainChat.Gateway.Errors;
using GrainChat.Gateway.Limits;

namespace GrainChat.Tests.Gateway;

public sealed class KeyedRateLimiterTests
{
    [Fact]
    public void A_key_is_exhausted_once_its_tokens_are_taken_and_other_keys_are_not()
    {
        var limiter = new KeyedRateLimiter("Too many", burst: 3, tokens: 1, TimeSpan.FromHours(1));

        for (var i = 0; i < 3; i++)
        {
            Assert.False(limiter.IsExhausted("a", out _));
            limiter.Take("a");
        }

        Assert.True(limiter.IsExhausted("a", out var wait));
        Assert.True(wait > TimeSpan.Zero);
        Assert.False(limiter.IsExhausted("b", out _));
        Assert.Throws<RateLimitedException>(() => limiter.ThrowIfOver("a"));
    }

    [Fact]
    public async Task Tokens_taken_stay_taken_until_the_period_refills_them()
    {
        var limiter = new KeyedRateLimiter("Too many", burst: 3, tokens: 1, TimeSpan.FromMinutes(1));

        for (var i = 0; i < 3; i++)
        {
            limiter.Take("a");
            await Task.Delay(250);
        }

        Assert.True(limiter.IsExhausted("a", out _));
    }
}
