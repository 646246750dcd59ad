using System.Collections.Concurrent;

namespace ResultCache;

/// <summary>
/// Results kept in process: each entry has its TTL, an optional fail-safe window past it, and the versions its tags
/// had when it was read for. At most <c>maxEntries</c> entries; past that, expired entries and then a tenth go.
/// One component serves as the embedded store, as the local layer in front of Redis, and as the outage layer.
/// </summary>
internal sealed class InProcessEntries
{
    private readonly ConcurrentDictionary<UInt128, Entry> _entries = new();
    private readonly CacheClock _clock;
    private readonly int _maxEntries;
    private readonly object _trimLock = new();
    private readonly MemoryTagVersions _tags;
    private int _count;
    private long _removals;

    public InProcessEntries(int maxEntries, TimeProvider time)
    {
        _clock = new CacheClock(time);
        _maxEntries = maxEntries;
        _tags = new MemoryTagVersions(maxEntries);
    }

    /// <summary>How many entries are held, expired ones included until they are read or trimmed.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Counts invalidations and clears. A value read from elsewhere before one of them must not be kept after it:
    /// the caller compares the count from before its read with the count at its write.
    /// </summary>
    public long Removals => Volatile.Read(ref _removals);

    /// <summary>The hit path: a fresh value whose tags are current, or false.</summary>
    public bool TryGet<T>(CacheKey key, out T value)
    {
        if (_entries.TryGetValue(key.Hash, out Entry? entry) && entry is Entry<T> typed && _clock.NowMilliseconds < typed.FreshUntil &&
            (key.Tags.Count == 0 || _tags.AreCurrent(key.Tags, typed.Versions)))
        {
            value = typed.Value;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>The full read: a hit, a fail-safe value past its TTL, or a miss carrying the tags' current versions.</summary>
    public CacheLookup<T> Get<T>(CacheKey key)
    {
        if (_entries.TryGetValue(key.Hash, out Entry? entry) && entry is Entry<T> typed)
        {
            long now = _clock.NowMilliseconds;
            bool current = key.Tags.Count == 0 || _tags.AreCurrent(key.Tags, typed.Versions);
            if (now < typed.FreshUntil && current)
            {
                return CacheLookup<T>.Hit(typed.Value);
            }
            if (now < typed.ExpiresAt && current)
            {
                return CacheLookup<T>.Stale(typed.Value, Versions(key));
            }
            Remove(key.Hash, entry);
        }
        return CacheLookup<T>.Miss(Versions(key));
    }

    /// <summary>Keeps a value for <paramref name="ttl"/>, then <paramref name="failSafe"/> more as a fallback. A tagged value needs the versions its read returned.</summary>
    public void Set<T>(CacheKey key, TagVersions versions, T value, TimeSpan ttl, TimeSpan failSafe)
    {
        if (!key.CanStoreUnder(versions))
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

    public void Invalidate(UInt128 hash)
    {
        Interlocked.Increment(ref _removals);
        if (_entries.TryGetValue(hash, out Entry? entry))
        {
            Remove(hash, entry);
        }
    }

    public void InvalidateTag(UInt128 tagHash)
    {
        Interlocked.Increment(ref _removals);
        _tags.Invalidate(tagHash);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _removals);
        foreach (var pair in _entries)
        {
            Remove(pair.Key, pair.Value);
        }
    }

    // Expired entries go first; if still over the bound, a tenth goes, in hash order, which is effectively random
    // eviction (Redis's allkeys-random) without per-hit bookkeeping.
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
