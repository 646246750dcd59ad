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

    /// <summary>The most entries the local layer holds; past it, expired entries go first, then those asked for least. Default 10 000.</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>
    /// The most bytes the local layer holds, each entry weighing the length of its JSON (decompressed, whatever Redis
    /// stores). Null (the default) takes a quarter of the memory the GC may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>).
    /// </summary>
    public long? MaxBytes { get; set; }

    /// <summary>
    /// The largest single entry the local layer keeps; a larger one is read from Redis each time, counted in
    /// <c>cache.too_large</c> and logged once per method. Null (the default) takes a tenth of <see cref="MaxBytes"/>.
    /// </summary>
    public long? MaxEntryBytes { get; set; }

    internal void Validate()
    {
        if (Ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, "LocalCacheOptions.Ttl must be positive.");
        }
        InProcessLimits.Validate(nameof(LocalCacheOptions), MaxEntries, MaxBytes, MaxEntryBytes);
    }
}
