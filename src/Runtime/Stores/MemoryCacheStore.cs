using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResultCache;

/// <summary>
/// The embedded in-process store: needs no setup, honours each method's TTL, and stays within
/// <see cref="InProcessCacheOptions.MaxEntries"/> entries and <see cref="InProcessCacheOptions.MaxBytes"/> of
/// estimated size, evicting what is asked for least (W-TinyLFU) and trimming when the GC reports a high memory load.
/// Values are kept as objects, not serialized, so a caller that mutates a returned object mutates the cached one.
/// </summary>
public sealed class MemoryCacheStore : CacheStore
{
    private readonly InProcessEntries _entries;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates an empty store.</summary>
    public MemoryCacheStore(MemoryCacheStoreOptions? options = null)
    {
        options ??= new MemoryCacheStoreOptions();
        options.Validate();
        _logger = options.Logger;
        _time = options.TimeProvider;
        _entries = new InProcessEntries(options.Limits, options.TimeProvider, _logger,
            Invalidations);
        InProcess = _entries;
    }

    /// <summary>How many entries the store holds, expired ones included until they are read, swept or evicted.</summary>
    public int Count => _entries.Count;

    /// <summary>The estimated size of what the store holds, in bytes (see <see cref="InProcessCacheOptions.MaxBytes"/>).</summary>
    public long EstimatedBytes => _entries.EstimatedBytes;

    internal override ILogger Logger => _logger;

    /// <summary>Drops every entry.</summary>
    public void Clear()
    {
        Invalidations.Clear();
        _entries.Clear();
    }

    internal override TimeProvider Time => _time;

    internal override ValueTask<CacheLookup<T>> ReadAsync<T>(MethodDescription<T> method, CacheKey key, bool sync, bool refreshing = false)
    {
        InProcessStamp stamp = _entries.Stamp(key);
        CacheLookup<T> read = _entries.Get<T>(key);
        if (refreshing && read.RefreshDue)
        {
            read = CacheLookup<T>.Miss(stamp.Versions);
        }
        return new(read.With(stamp, reachedRedis: false));
    }

    // Kept unless the key was invalidated after its read: a ...Core that began before an invalidation never fills it.
    internal override ValueTask WriteAsync<T>(MethodDescription<T> method, CacheKey key, CacheLookup<T> read, T value, TimeSpan ttl, bool sync)
    {
        _entries.Set(method, key, read.Local, value, ttl, method.FailSafe, EntrySize.Of(value, method.Json), method.RefreshIn(ttl));
        return ValueTask.CompletedTask;
    }

    private protected override ValueTask RemoveEntryAsync<T>(MethodDescription<T> method, UInt128 hash, bool sync)
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

/// <summary>
/// Settings of the <see cref="MemoryCacheStore"/>. Its bounds (<see cref="InProcessCacheOptions"/>) default to 100 000
/// entries and a quarter of the memory the GC may use.
/// </summary>
public sealed class MemoryCacheStoreOptions : InProcessCacheOptions
{
    /// <summary>The defaults: 100 000 entries, the system clock, no logging.</summary>
    public MemoryCacheStoreOptions()
        : base(maxEntries: 100_000)
    {
    }

    /// <summary>The clock for TTLs. Tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Receives the fail-safe and size-cap warnings of methods cached here.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    internal void Validate()
    {
        ValidateLimits();
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(Logger, nameof(Logger));
    }
}
