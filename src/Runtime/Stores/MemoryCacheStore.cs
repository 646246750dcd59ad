using System.Collections.Concurrent;

namespace ResultCache;

/// <summary>
/// The embedded in-process store: needs no setup, honours each method's TTL and holds at most
/// <see cref="MemoryCacheStoreOptions.MaxEntries"/> entries. Values are kept as objects, not serialized,
/// so a caller that mutates a returned object mutates the cached one.
/// </summary>
public sealed class MemoryCacheStore : CacheStore
{
    private readonly ConcurrentDictionary<UInt128, Entry> _entries = new();
    private readonly CacheClock _clock;
    private readonly int _maxEntries;
    private readonly object _trimLock = new();
    private int _count;

    /// <summary>Creates an empty store.</summary>
    public MemoryCacheStore(MemoryCacheStoreOptions? options = null)
    {
        options ??= new MemoryCacheStoreOptions();
        if (options.MaxEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxEntries,
                "MemoryCacheStoreOptions.MaxEntries must be at least 1.");
        }
        _clock = new CacheClock(options.TimeProvider ?? throw new ArgumentNullException(nameof(options), "MemoryCacheStoreOptions.TimeProvider must not be null."));
        _maxEntries = options.MaxEntries;
    }

    /// <summary>How many entries the store holds, expired ones included until they are read or trimmed.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc/>
    public override bool TryGet<T>(CachedMethod<T> method, UInt128 key, out T value)
    {
        if (_entries.TryGetValue(key, out Entry? entry) && entry is Entry<T> typed)
        {
            if (_clock.NowMilliseconds < typed.ExpiresAt)
            {
                value = typed.Value;
                return true;
            }
            Remove(key, entry);
        }
        value = default!;
        return false;
    }

    /// <inheritdoc/>
    public override ValueTask<CacheLookup<T>> TryGetAsync<T>(CachedMethod<T> method, UInt128 key) =>
        new(TryGet(method, key, out T value) ? new CacheLookup<T>(value) : CacheLookup<T>.Miss);

    /// <inheritdoc/>
    public override void Set<T>(CachedMethod<T> method, UInt128 key, T value)
    {
        var entry = new Entry<T>(value, _clock.NowMilliseconds + (long)method.Ttl.TotalMilliseconds);
        while (true)
        {
            if (_entries.TryAdd(key, entry))
            {
                if (Interlocked.Increment(ref _count) > _maxEntries)
                {
                    Trim();
                }
                return;
            }
            // Replace in place; if another thread removed it meanwhile, add it again (keeps the count exact).
            if (_entries.TryGetValue(key, out Entry? existing) && _entries.TryUpdate(key, entry, existing))
            {
                return;
            }
        }
    }

    /// <inheritdoc/>
    public override ValueTask SetAsync<T>(CachedMethod<T> method, UInt128 key, T value)
    {
        Set(method, key, value);
        return ValueTask.CompletedTask;
    }

    /// <summary>Drops every entry.</summary>
    public void Clear()
    {
        foreach (var pair in _entries)
        {
            Remove(pair.Key, pair.Value);
        }
    }

    // Expired entries go first; if the store is still over its bound, a tenth of it goes, in hash
    // order, which is effectively random eviction (Redis's allkeys-random) without per-hit bookkeeping.
    private void Trim()
    {
        if (!Monitor.TryEnter(_trimLock))
        {
            return;
        }
        try
        {
            long now = _clock.NowMilliseconds;
            foreach (var pair in _entries)
            {
                if (pair.Value.ExpiresAt <= now)
                {
                    Remove(pair.Key, pair.Value);
                }
            }
            int target = _maxEntries - Math.Max(1, _maxEntries / 10);
            foreach (var pair in _entries)
            {
                if (Volatile.Read(ref _count) <= target)
                {
                    break;
                }
                Remove(pair.Key, pair.Value);
            }
        }
        finally
        {
            Monitor.Exit(_trimLock);
        }
    }

    private void Remove(UInt128 key, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<UInt128, Entry>(key, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private abstract class Entry(long expiresAt)
    {
        public long ExpiresAt { get; } = expiresAt;
    }

    private sealed class Entry<T>(T value, long expiresAt) : Entry(expiresAt)
    {
        public T Value { get; } = value;
    }
}

/// <summary>Settings of the <see cref="MemoryCacheStore"/>.</summary>
public sealed class MemoryCacheStoreOptions
{
    /// <summary>The most entries held at once; past it, expired entries and then a tenth of the store are evicted. Default 100 000.</summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>The clock for TTLs. Tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
