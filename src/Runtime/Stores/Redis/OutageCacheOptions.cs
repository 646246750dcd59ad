namespace ResultCache;

/// <summary>
/// How the Redis store keeps results in process while Redis is unavailable (its first connect failed, the gate is
/// closed, or a probe is in flight). On by default: an outage never sends every call to <c>...Core</c>.
/// </summary>
public sealed class OutageCacheOptions
{
    /// <summary>
    /// How long a result computed during an outage is kept in process: the method's TTL, capped by this. It bounds how
    /// stale such a value can be, since other instances may change the data meanwhile. When Redis returns, these entries
    /// are dropped, never written to Redis. <see cref="TimeSpan.Zero"/> turns outage caching off (single flight stays). Default 30 s.
    /// </summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most entries kept in process, the embedded store's default. Default 100 000.</summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>
    /// The most bytes kept in process, each result's size estimated as the embedded store does
    /// (<see cref="MemoryCacheStoreOptions.MaxBytes"/>). Null (the default) takes a quarter of the memory the GC may use.
    /// </summary>
    public long? MaxBytes { get; set; }

    /// <summary>
    /// The largest single result kept in process during an outage; a larger one is returned but not kept, counted in
    /// <c>cache.too_large</c> and logged once per method. Null (the default) takes a tenth of <see cref="MaxBytes"/>.
    /// </summary>
    public long? MaxEntryBytes { get; set; }

    /// <summary>Whether results are kept in process during an outage.</summary>
    internal bool Enabled => Ttl > TimeSpan.Zero;

    internal void Validate()
    {
        if (Ttl < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, "OutageCacheOptions.Ttl must be zero (off) or positive.");
        }
        InProcessLimits.Validate(nameof(OutageCacheOptions), MaxEntries, MaxBytes, MaxEntryBytes);
    }
}
