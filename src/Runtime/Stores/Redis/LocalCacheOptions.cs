namespace ResultCache;

/// <summary>
/// Settings of the Redis store's optional in-process layer (L1). Hits from it cost what a memory-store hit costs;
/// instances keep each other's layers coherent through Redis pub/sub. Its bounds (<see cref="InProcessCacheOptions"/>)
/// default to 10 000 entries and a quarter of the memory the GC may use.
/// </summary>
public sealed class LocalCacheOptions : InProcessCacheOptions
{
    /// <summary>The defaults: a 10 s TTL, 10 000 entries.</summary>
    public LocalCacheOptions()
        : base(maxEntries: 10_000)
    {
    }

    /// <summary>
    /// How long a value stays in the local layer (never longer than the method's own TTL). It also bounds how stale a
    /// value can get if an eviction message is lost. Default 10 s.
    /// </summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        if (Ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, "LocalCacheOptions.Ttl must be positive.");
        }
        ValidateLimits();
    }
}
