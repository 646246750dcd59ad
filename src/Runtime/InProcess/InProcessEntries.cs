using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace ResultCache;

/// <summary>
/// Results kept in process: each entry has its TTL, an optional fail-safe window past it, the versions its tags had
/// when it was read for, and an estimated size. The table stays within its <see cref="InProcessLimits"/>, choosing what
/// to evict with <see cref="EvictionPolicy"/> (W-TinyLFU), and trims when the GC reports a high memory load.
/// One component serves as the embedded store, as the local layer in front of Redis, and as the outage layer.
/// </summary>
/// <remarks>
/// Reads take no lock: a hit is a dictionary lookup plus one byte in the entry (<see cref="InProcessEntry.Hits"/>).
/// Every change (store, invalidate, evict) happens under one lock, where the policy also counts those hits. A value is
/// stored only while its key's <see cref="InvalidationCounters.Stamp"/> is the one its reader took, checked under
/// that lock, so a store and an invalidation of one key never interleave.
/// </remarks>
internal sealed class InProcessEntries
{
    private const long SweepIntervalMilliseconds = 1000;

    private readonly ConcurrentDictionary<UInt128, InProcessEntry> _entries = new();
    private readonly object _lock = new();
    private readonly EvictionPolicy _policy;
    private readonly CacheClock _clock;
    private readonly MemoryTagVersions _tags;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _reportedTooLarge = new();
    private readonly InvalidationCounters _invalidations;
    private long _nextSweep;

    public InProcessEntries(InProcessLimits limits, TimeProvider time, ILogger logger, InvalidationCounters invalidations)
    {
        Limits = limits;
        _invalidations = invalidations;
        _clock = new CacheClock(time, coarse: true);
        _logger = logger;
        _tags = new MemoryTagVersions(limits.MaxEntries);
        _policy = new EvictionPolicy(limits.MaxEntries, entry =>
        {
            _entries.TryRemove(new KeyValuePair<UInt128, InProcessEntry>(entry.Key, entry));
            CacheMetrics.Evicted();
        });
        MemoryPressure.Watch(this);
    }

    public InProcessLimits Limits { get; }

    /// <summary>How many entries are held, expired ones included until they are read, swept or evicted.</summary>
    public int Count => _entries.Count;

    /// <summary>The estimated bytes held: the slots taken times the slot size.</summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_lock)
            {
                return _policy.Cost * Limits.SlotBytes;
            }
        }
    }

    /// <summary>The hit path: a fresh value whose tags are current, or false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet<T>(CacheKey key, out T value)
    {
        if (_entries.TryGetValue(key.Hash, out InProcessEntry? entry) && entry is InProcessEntry<T> typed && _clock.NowMilliseconds < typed.FreshUntil &&
            (key.Tags.Count == 0 || _tags.AreCurrent(key.Tags, typed.Versions)))
        {
            if (typed.Hits < InProcessEntry.MaxHits)
            {
                typed.Hits++;
            }
            value = typed.Value;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>
    /// The full read: a hit, a fail-safe value past its TTL, or a miss carrying the tags' current versions. Take the
    /// key's stamp first (<see cref="Stamp"/>): a value read anywhere after it may be kept with it.
    /// </summary>
    public CacheLookup<T> Get<T>(CacheKey key)
    {
        if (_entries.TryGetValue(key.Hash, out InProcessEntry? entry) && entry is InProcessEntry<T> typed)
        {
            long now = _clock.NowMilliseconds;
            bool current = key.Tags.Count == 0 || _tags.AreCurrent(key.Tags, typed.Versions);
            if (now < typed.FreshUntil && current)
            {
                if (typed.Hits < InProcessEntry.MaxHits)
                {
                    typed.Hits++;
                }
                return CacheLookup<T>.Hit(typed.Value);
            }
            if (now < typed.ExpiresAt && current)
            {
                return CacheLookup<T>.Stale(typed.Value, Versions(key));
            }
            lock (_lock)
            {
                Remove(entry);
            }
        }
        return CacheLookup<T>.Miss(Versions(key));
    }

    /// <summary>The stamp a reader takes before it reads: its key's invalidations, and the tags' versions here.</summary>
    public InProcessStamp Stamp(CacheKey key)
    {
        InvalidationStamp invalidations = _invalidations.Stamp(key.Hash);
        return new InProcessStamp(Versions(key), invalidations);
    }

    /// <summary>
    /// Keeps a value of about <paramref name="bytes"/> for <paramref name="ttl"/>, then <paramref name="failSafe"/> more
    /// as a fallback, unless the key was invalidated since <paramref name="stamp"/> was taken. A tagged value is kept
    /// under the versions of the stamp. A value over the per-entry cap is not kept: it is counted, and logged once per
    /// method.
    /// </summary>
    public void Set<T>(CachedMethod<T> method, CacheKey key, InProcessStamp stamp, T value, TimeSpan ttl, TimeSpan failSafe, long bytes)
    {
        if (!key.CanStoreUnder(stamp.Versions))
        {
            return;
        }
        long cap = Limits.MaxEntryBytes;
        if (bytes > cap)
        {
            CacheMetrics.TooLarge(method.Name);
            if (_reportedTooLarge.TryAdd(method.Name, true))
            {
                CacheLog.TooLarge(_logger, method.Name, bytes, cap);
            }
            return;
        }
        long now = _clock.NowMilliseconds;
        long freshUntil = now + (long)ttl.TotalMilliseconds;
        var entry = new InProcessEntry<T>(key.Hash, value, freshUntil, freshUntil + (long)failSafe.TotalMilliseconds, stamp.Versions, Limits.CostOf(bytes));
        lock (_lock)
        {
            if (_invalidations.Stamp(key.Hash) != stamp.Invalidations)
            {
                return; // read before an invalidation of its key: never kept after it
            }
            if (_entries.TryGetValue(key.Hash, out InProcessEntry? existing))
            {
                _policy.Remove(existing);
            }
            _entries[key.Hash] = entry;
            if (_policy.Cost + entry.Cost > Limits.MaxEntries && now >= _nextSweep)
            {
                SweepExpired(now);
            }
            _policy.Add(entry);
        }
    }

    /// <summary>Drops a key's entry. Count the invalidation first (<see cref="InvalidationCounters.Entry"/>), so no store of an older read follows.</summary>
    public void Invalidate(UInt128 hash)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out InProcessEntry? entry))
            {
                Remove(entry);
            }
        }
    }

    /// <summary>Moves a tag to a new version: every entry kept under an older one misses.</summary>
    public void InvalidateTag(UInt128 tagHash) => _tags.Invalidate(tagHash);

    /// <summary>Drops every entry. Count the clear first (<see cref="InvalidationCounters.Clear"/>).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _policy.Clear();
            _entries.Clear();
        }
    }

    /// <summary>Evicts down to half of what is held, least valuable first. Called when the GC reports a high memory load.</summary>
    public void TrimForMemoryPressure()
    {
        lock (_lock)
        {
            SweepExpired(_clock.NowMilliseconds);
            _policy.Evict(_policy.Cost / 2);
        }
    }

    // Expired entries go before any live one is evicted. A full sweep, at most once a second, and only when the table is full.
    private void SweepExpired(long now)
    {
        foreach (KeyValuePair<UInt128, InProcessEntry> pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                Remove(pair.Value);
            }
        }
        _nextSweep = now + SweepIntervalMilliseconds;
    }

    private TagVersions Versions(CacheKey key) => key.Tags.Count == 0 ? default : _tags.Current(key.Tags);

    // Under the lock; the entry may have left already (replaced, evicted).
    private void Remove(InProcessEntry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<UInt128, InProcessEntry>(entry.Key, entry)))
        {
            _policy.Remove(entry);
        }
    }
}
