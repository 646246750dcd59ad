namespace ResultCache;

/// <summary>
/// How the Redis store keeps results in process while Redis is unavailable (its first connect failed, the gate is
/// closed, or a probe is in flight). On by default: an outage never sends every call to <c>...Core</c>. Its bounds
/// (<see cref="InProcessCacheOptions"/>) default to 100 000 entries and a quarter of the memory the GC may use.
/// </summary>
public sealed class OutageCacheOptions : InProcessCacheOptions
{
    /// <summary>The defaults: a 30 s TTL, 100 000 entries.</summary>
    public OutageCacheOptions()
        : base(maxEntries: 100_000)
    {
    }

    /// <summary>
    /// How long a result computed during an outage is kept in process: the method's TTL, capped by this. It bounds how
    /// stale such a value can be, since other instances may change the data meanwhile. When Redis returns, these entries
    /// are dropped, never written to Redis. <see cref="TimeSpan.Zero"/> turns outage caching off (single flight stays). Default 30 s.
    /// </summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether results are kept in process during an outage.</summary>
    internal bool Enabled => Ttl > TimeSpan.Zero;

    internal void Validate()
    {
        if (Ttl < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, "OutageCacheOptions.Ttl must be zero (off) or positive.");
        }
        ValidateLimits();
    }
}
