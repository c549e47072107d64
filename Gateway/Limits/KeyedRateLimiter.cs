using System.Collections.Concurrent;
using GrainChat.Gateway.Errors;

namespace GrainChat.Gateway.Limits;

/// <summary>
/// A token bucket per key (a user, a client address): up to <c>burst</c> tokens, refilled continuously at
/// <c>tokens</c> per <c>period</c>. Over the limit, <see cref="ThrowIfOver"/> throws <see cref="RateLimitedException"/>
/// with how long to wait (429 + <c>Retry-After</c> over REST, a HubException with a retry hint over the hub).
/// Full buckets are forgotten once many keys are held, so memory stays bounded by the keys in use.
/// </summary>
internal sealed class KeyedRateLimiter
{
    private const int KeysBeforeSweep = 10_000;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly string _what;
    private readonly double _burst;
    private readonly double _tokensPerSecond;
    private readonly TimeProvider _time;
    private int _keys;

    public KeyedRateLimiter(string what, int burst, int tokens, TimeSpan period, TimeProvider? time = null)
    {
        _what = what;
        _burst = Math.Max(1, burst);
        _tokensPerSecond = Math.Max(1, tokens) / period.TotalSeconds;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Takes a token for the key, or throws saying how long to wait.</summary>
    public void ThrowIfOver(string key)
    {
        if (!TryTake(key, out var wait))
        {
            throw new RateLimitedException(wait, _what);
        }
    }

    /// <summary>Takes a token if one is left, refusing nothing (for counting failures).</summary>
    public void Take(string key) => TryTake(key, out _);

    /// <summary>Whether the key has no token left; takes none.</summary>
    public bool IsExhausted(string key, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            return false;
        }

        lock (bucket)
        {
            Refill(bucket);
            retryAfter = WaitForOne(bucket);
            return bucket.Tokens < 1;
        }
    }

    private bool TryTake(string key, out TimeSpan retryAfter)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = new Bucket(_burst, _time.GetTimestamp());
            if (_buckets.TryAdd(key, bucket))
            {
                // Counted here rather than read from the dictionary, whose Count takes every one of its locks.
                if (Interlocked.Increment(ref _keys) > KeysBeforeSweep)
                {
                    ForgetFullBuckets();
                }
            }
            else
            {
                bucket = _buckets[key];
            }
        }

        lock (bucket)
        {
            Refill(bucket);
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens--;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = WaitForOne(bucket);
            return false;
        }
    }

    private void Refill(Bucket bucket)
    {
        var now = _time.GetTimestamp();
        bucket.Tokens = Math.Min(_burst, bucket.Tokens + (_time.GetElapsedTime(bucket.Updated, now).TotalSeconds * _tokensPerSecond));
        bucket.Updated = now;
    }

    private TimeSpan WaitForOne(Bucket bucket) =>
        bucket.Tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - bucket.Tokens) / _tokensPerSecond);

    private void ForgetFullBuckets()
    {
        foreach (var (key, bucket) in _buckets)
        {
            lock (bucket)
            {
                Refill(bucket);
                if (bucket.Tokens >= _burst && _buckets.TryRemove(key, out _))
                {
                    Interlocked.Decrement(ref _keys);
                }
            }
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens { get; set; } = tokens;

        public long Updated { get; set; } = updated;
    }
}
