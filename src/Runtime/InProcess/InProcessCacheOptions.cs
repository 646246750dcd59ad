namespace ResultCache;

/// <summary>
/// The bounds of an in-process layer, the same three for each: the embedded store (<see cref="MemoryCacheStoreOptions"/>),
/// the Redis store's local layer (<see cref="LocalCacheOptions"/>) and its outage layer (<see cref="OutageCacheOptions"/>).
/// Each layer is a table of its own within its own bounds.
/// </summary>
/// <remarks>
/// Every layer weighs an entry alike, once, when it is stored: twice the length of its UTF-8 JSON (text in memory is
/// UTF-16, and objects add headers JSON leaves out) plus about 128 bytes of bookkeeping. A hit costs nothing for it.
/// </remarks>
public abstract class InProcessCacheOptions
{
    private protected InProcessCacheOptions(int maxEntries) => MaxEntries = maxEntries;

    /// <summary>The most entries held at once; past it, expired entries go first, then those asked for least (W-TinyLFU).</summary>
    public int MaxEntries { get; set; }

    /// <summary>
    /// The most bytes held, by each entry's estimated size. Null (the default) takes a quarter of the memory the GC
    /// may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which honours container limits).
    /// </summary>
    public long? MaxBytes { get; set; }

    /// <summary>
    /// The largest single entry kept; a larger result is returned to its caller (or read from Redis each time) but not
    /// kept, counted in <c>cache.too_large</c> and logged once per method. Null (the default) takes a tenth of <see cref="MaxBytes"/>.
    /// </summary>
    public long? MaxEntryBytes { get; set; }

    /// <summary>The bounds, a missing byte bound taking its default.</summary>
    internal InProcessLimits Limits => InProcessLimits.From(MaxEntries, MaxBytes, MaxEntryBytes);

    /// <summary>Checks the bounds; the message names the options class, the setting and what it must be.</summary>
    private protected void ValidateLimits() => InProcessLimits.Validate(GetType().Name, MaxEntries, MaxBytes, MaxEntryBytes);
}
