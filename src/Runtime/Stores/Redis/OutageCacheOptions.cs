namespace ResultCache;

/// <summary>
/// How the Redis store keeps results in process while Redis is unavailable (its first connect failed, the gate is
/// closed, or a probe is in flight). On by default: an outage never sends every call to <c>...Core</c>. Its bounds
/// (<see cref="InProcessCacheOptions"/>) default to 100 000 entries and a quarter of the memory the GC may use.
/// </summary>
public sealed class OutageCacheOptions : InProcessCacheOptions
{
    /// <summary>The defaults: entries live for each method's TTL, at most 100 000 of them.</summary>
    public OutageCacheOptions()
        : base(maxEntries: 100_000)
    {
    }

    /// <summary>
    /// <see cref="Timeout.InfiniteTimeSpan"/> (the default): a result computed during an outage is kept for the method's
    /// TTL, as it would be in Redis, so an outage never costs the database more <c>...Core</c> runs than Redis being up
    /// would. Every such entry is dropped when Redis returns, never written to Redis. A positive value caps that TTL (a
    /// tighter bound on how stale a value computed by this instance alone may be); it must be longer than
    /// <see cref="RedisCacheStoreOptions.Backoff"/>, or every key would run <c>...Core</c> again at each probe of a long
    /// outage. <see cref="TimeSpan.Zero"/> turns outage caching off (single flight stays).
    /// </summary>
    public TimeSpan Ttl { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Whether results are kept in process during an outage.</summary>
    internal bool Enabled => Ttl != TimeSpan.Zero;

    internal void Validate(TimeSpan backoff)
    {
        if (Ttl < TimeSpan.Zero && Ttl != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, "OutageCacheOptions.Ttl must be zero (off), positive (a cap), or left unset (each method's TTL).");
        }
        if (Ttl > TimeSpan.Zero && Ttl <= backoff)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl,
                $"OutageCacheOptions.Ttl ({Ttl}) must be longer than RedisCacheStoreOptions.Backoff ({backoff}): entries kept during an outage would expire before the gate's next probe, and every key would run ...Core once more per Ttl. Leave it unset to keep them for each method's TTL, or raise it above the backoff.");
        }
        ValidateLimits();
    }
}
