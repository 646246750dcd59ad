using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResultCache;

/// <summary>
/// The embedded in-process store: needs no setup, honours each method's TTL and holds at most
/// <see cref="MemoryCacheStoreOptions.MaxEntries"/> entries. Values are kept as objects, not serialized,
/// so a caller that mutates a returned object mutates the cached one.
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
        _entries = new InProcessEntries(options.MaxEntries, options.TimeProvider);
        InProcess = _entries;
    }

    /// <summary>How many entries the store holds, expired ones included until they are read or trimmed.</summary>
    public int Count => _entries.Count;

    internal override ILogger Logger => _logger;

    /// <summary>Drops every entry.</summary>
    public void Clear() => _entries.Clear();

    internal override ValueTask<CacheLookup<T>> ReadAsync<T>(CachedMethod<T> method, CacheKey key, bool sync) => new(_entries.Get<T>(key));

    internal override ValueTask WriteAsync<T>(CachedMethod<T> method, CacheKey key, CacheLookup<T> read, T value, bool sync)
    {
        _entries.Set(key, read.Versions, value, method.NextTtl(), method.FailSafe);
        return ValueTask.CompletedTask;
    }

    private protected override ValueTask RemoveEntryAsync<T>(CachedMethod<T> method, UInt128 hash, bool sync)
    {
        _entries.Invalidate(hash);
        return ValueTask.CompletedTask;
    }

    private protected override ValueTask RemoveTagAsync(UInt128 tagHash, bool sync)
    {
        _entries.InvalidateTag(tagHash);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Settings of the <see cref="MemoryCacheStore"/>.</summary>
public sealed class MemoryCacheStoreOptions
{
    /// <summary>The most entries held at once; past it, expired entries and then a tenth of the store are evicted. Default 100 000.</summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>The clock for TTLs. Tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Receives the fail-safe warnings of methods cached here.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    internal void Validate()
    {
        if (MaxEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntries), MaxEntries, "MemoryCacheStoreOptions.MaxEntries must be at least 1.");
        }
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(Logger, nameof(Logger));
    }
}
