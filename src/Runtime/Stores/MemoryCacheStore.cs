using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    private readonly MemoryTagVersions _tags;
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
        Logger = options.Logger ?? throw new ArgumentNullException(nameof(options), "MemoryCacheStoreOptions.Logger must not be null.");
        _maxEntries = options.MaxEntries;
        _tags = new MemoryTagVersions(options.MaxEntries);
        LocalEntries = this; // cached methods read it without a virtual call
    }

    /// <inheritdoc/>
    public override ILogger Logger { get; }

    /// <summary>How many entries the store holds, expired ones included until they are read or trimmed.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc/>
    public override CacheLookup<T> Get<T>(CachedMethod<T> method, CacheKey key)
    {
        if (_entries.TryGetValue(key.Hash, out Entry? entry) && entry is Entry<T> typed)
        {
            long now = _clock.NowMilliseconds;
            bool current = key.Tags.Count == 0 || _tags.AreCurrent(key.Tags, typed.Versions);
            if (now < typed.FreshUntil && current)
            {
                return new CacheLookup<T>(typed.Value);
            }
            if (now < typed.ExpiresAt && current)
            {
                return CacheLookup<T>.Stale(typed.Value, Versions(key)); // kept past its TTL for fail-safe
            }
            Remove(key.Hash, entry);
        }
        return key.Tags.Count == 0 ? CacheLookup<T>.Miss : new CacheLookup<T>(Versions(key));
    }

    /// <inheritdoc/>
    public override ValueTask<CacheLookup<T>> GetAsync<T>(CachedMethod<T> method, CacheKey key) =>
        new(Get(method, key));

    /// <inheritdoc/>
    public override void Set<T>(CachedMethod<T> method, CacheKey key, TagVersions versions, T value) =>
        Set(key, versions, value, method.NextTtl(), method.FailSafe);

    /// <summary>Stores with an explicit TTL: the Redis store's local layer keeps entries shorter than the method's TTL.</summary>
    internal void Set<T>(CacheKey key, TagVersions versions, T value, TimeSpan ttl, TimeSpan failSafe)
    {
        if (versions.Count != key.Tags.Count)
        {
            return;
        }
        long freshUntil = _clock.NowMilliseconds + (long)ttl.TotalMilliseconds;
        var entry = new Entry<T>(value, freshUntil, freshUntil + (long)failSafe.TotalMilliseconds, versions);
        while (true)
        {
            if (_entries.TryAdd(key.Hash, entry))
            {
                if (Interlocked.Increment(ref _count) > _maxEntries)
                {
                    Trim();
                }
                return;
            }
            // Replace in place; if another thread removed it meanwhile, add it again (keeps the count exact).
            if (_entries.TryGetValue(key.Hash, out Entry? existing) && _entries.TryUpdate(key.Hash, entry, existing))
            {
                return;
            }
        }
    }

    /// <inheritdoc/>
    public override ValueTask SetAsync<T>(CachedMethod<T> method, CacheKey key, TagVersions versions, T value)
    {
        Set(method, key, versions, value);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override void Invalidate<T>(CachedMethod<T> method, CacheKey key)
    {
        CacheMetrics.Invalidated("entry");
        Invalidate(key.Hash);
    }

    internal void Invalidate(UInt128 hash)
    {
        if (_entries.TryGetValue(hash, out Entry? entry))
        {
            Remove(hash, entry);
        }
    }

    /// <inheritdoc/>
    public override ValueTask InvalidateAsync<T>(CachedMethod<T> method, CacheKey key, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        Invalidate(method, key);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override void InvalidateTagHash(UInt128 tagHash)
    {
        CacheMetrics.Invalidated("tag");
        _tags.Invalidate(tagHash);
    }

    /// <inheritdoc/>
    public override ValueTask InvalidateTagHashAsync(UInt128 tagHash, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        InvalidateTagHash(tagHash);
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

    private TagVersions Versions(CacheKey key) => key.Tags.Count == 0 ? default : _tags.Current(key.Tags);

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

    private sealed class Entry<T>(T value, long freshUntil, long expiresAt, TagVersions versions) : Entry(expiresAt)
    {
        public T Value { get; } = value;

        public long FreshUntil { get; } = freshUntil;

        public TagVersions Versions { get; } = versions;
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
}
