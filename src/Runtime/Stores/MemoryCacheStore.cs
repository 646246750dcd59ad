using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResultCache;

/// <summary>
/// The embedded in-process store: needs no setup, honours each method's TTL, and stays within
/// <see cref="MemoryCacheStoreOptions.MaxEntries"/> entries and <see cref="MemoryCacheStoreOptions.MaxBytes"/> of
/// estimated size, evicting what is asked for least (W-TinyLFU) and trimming when the GC reports a high memory load.
/// Values are kept as objects, not serialized, so a caller that mutates a returned object mutates the cached one.
/// </summary>
public sealed class MemoryCacheStore : CacheStore
{
    private readonly InProcessEntries _entries;
    private readonly ILogger _logger;

    /// <summary>Creates an empty store.</summary>
    public MemoryCacheStore(MemoryCacheStoreOptions? options = null)
    {
        options ??= new MemoryCacheStoreOptions();
        options.Validate();
        _logger = options.Logger;
        _entries = new InProcessEntries(InProcessLimits.From(options.MaxEntries, options.MaxBytes, options.MaxEntryBytes), options.TimeProvider, _logger,
            Invalidations);
        InProcess = _entries;
    }

    /// <summary>How many entries the store holds, expired ones included until they are read, swept or evicted.</summary>
    public int Count => _entries.Count;

    /// <summary>The estimated size of what the store holds, in bytes (see <see cref="MemoryCacheStoreOptions.MaxBytes"/>).</summary>
    public long EstimatedBytes => _entries.EstimatedBytes;

    internal override ILogger Logger => _logger;

    /// <summary>Drops every entry.</summary>
    public void Clear()
    {
        Invalidations.Clear();
        _entries.Clear();
    }

    internal override ValueTask<CacheLookup<T>> ReadAsync<T>(CachedMethod<T> method, CacheKey key, bool sync)
    {
        InProcessStamp stamp = _entries.Stamp(key);
        return new(_entries.Get<T>(key).With(stamp, reachedRedis: false));
    }

    // Kept unless the key was invalidated after its read: a ...Core that began before an invalidation never fills it.
    internal override ValueTask WriteAsync<T>(CachedMethod<T> method, CacheKey key, CacheLookup<T> read, T value, bool sync)
    {
        _entries.Set(method, key, read.Local, value, method.NextTtl(), method.FailSafe, EntrySize.Estimate(value, method.Json));
        return ValueTask.CompletedTask;
    }

    private protected override ValueTask RemoveEntryAsync<T>(CachedMethod<T> method, UInt128 hash, bool sync)
    {
        Invalidations.Entry(hash);
        _entries.Invalidate(hash);
        return ValueTask.CompletedTask;
    }

    private protected override ValueTask RemoveTagAsync(UInt128 tagHash, bool sync)
    {
        _entries.InvalidateTag(tagHash);
        Invalidations.Tag();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Settings of the <see cref="MemoryCacheStore"/>.</summary>
public sealed class MemoryCacheStoreOptions
{
    /// <summary>The most entries held at once; past it, expired entries go first, then those asked for least. Default 100 000.</summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>
    /// The most bytes the store holds, by each entry's estimated size. Null (the default) takes a quarter of the memory
    /// the GC may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which honours container limits).
    /// </summary>
    /// <remarks>
    /// A result's size is estimated once, when it is stored after a miss: twice the length of its UTF-8 JSON (text in
    /// memory is UTF-16, and objects add headers JSON leaves out) plus the entry's bookkeeping. A hit costs nothing for it.
    /// </remarks>
    public long? MaxBytes { get; set; }

    /// <summary>
    /// The largest single entry kept; a larger result is returned to its caller but not kept, counted in
    /// <c>cache.too_large</c> and logged once per method. Null (the default) takes a tenth of <see cref="MaxBytes"/>.
    /// </summary>
    public long? MaxEntryBytes { get; set; }

    /// <summary>The clock for TTLs. Tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Receives the fail-safe and size-cap warnings of methods cached here.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    internal void Validate()
    {
        InProcessLimits.Validate(nameof(MemoryCacheStoreOptions), MaxEntries, MaxBytes, MaxEntryBytes);
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(Logger, nameof(Logger));
    }
}
