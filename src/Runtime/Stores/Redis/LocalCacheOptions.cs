namespace ResultCache;

/// <summary>
/// Settings of the Redis store's optional in-process layer (L1). Hits from it cost what a memory-store hit costs;
/// instances keep each other's layers coherent through Redis pub/sub.
/// </summary>
public sealed class LocalCacheOptions
{
    /// <summary>
    /// How long a value stays in the local layer (never longer than the method's own TTL). It also bounds how stale a
    /// value can get if an eviction message is lost. Default 10 s.
    /// </summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most entries the local layer holds. Default 10 000.</summary>
    public int MaxEntries { get; set; } = 10_000;

    internal void Validate()
    {
        if (Ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, "LocalCacheOptions.Ttl must be positive.");
        }
        if (MaxEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntries), MaxEntries, "LocalCacheOptions.MaxEntries must be at least 1.");
        }
    }
}
