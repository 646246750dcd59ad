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
/// A hit is one probe of the <see cref="EntryTable"/> plus one byte in the entry (<see cref="InProcessEntry.Hits"/>),
/// with no lock. A store or a removal changes the table at once under its key's lock, then queues the entry for the
/// policy (admission, eviction, reordering) on its core's ring of the <see cref="PolicyBuffer"/>. A writer whose ring
/// holds <see cref="DrainBatch"/> entries applies every ring, if no one else holds the policy; so no writer waits for
/// the policy or for another writer's work, and the policy runs in batches. A new value that finds its ring full is
/// returned to its caller but not kept: that bounds how far the table may run past its limits when writes outpace the
/// policy. Removals are never dropped; one that finds its ring full waits in an overflow queue. When writes stop, at
/// most <see cref="DrainBatch"/> − 1 entries a core wait for the policy: they are held and read as any other, and
/// <see cref="Count"/>, <see cref="EstimatedBytes"/> and the next batch apply them.
/// </remarks>
internal sealed class InProcessEntries
{
    /// <summary>A writer whose ring holds this many entries applies the queued work if the policy is free.</summary>
    public const int DrainBatch = 16;

    private const long SweepIntervalMilliseconds = 1000;

    private readonly EntryTable _table;
    private readonly EvictionPolicy _policy;           // only under _policyLock
    private readonly object _policyLock = new();
    private readonly PolicyBuffer _buffer = new();      // entries put in or taken out, for the policy
    private readonly ConcurrentQueue<InProcessEntry> _overflow = new(); // removals that found their ring full
    private readonly CacheClock _clock;
    private readonly MemoryTagVersions _tags;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _reportedTooLarge = new();
    private readonly InvalidationCounters _invalidations;
    private readonly bool _outageLayer; // emptied by InvalidationCounters.ClearOutage, not Clear
    private long _nextSweep;

    public InProcessEntries(InProcessLimits limits, TimeProvider time, ILogger logger, InvalidationCounters invalidations, bool outageLayer = false)
    {
        Limits = limits;
        _invalidations = invalidations;
        _outageLayer = outageLayer;
        _clock = new CacheClock(time, coarse: true);
        _logger = logger;
        _tags = new MemoryTagVersions(limits.MaxEntries);
        _table = new EntryTable(limits.MaxEntries);
        _policy = new EvictionPolicy(limits.MaxEntries, entry =>
        {
            if (_table.Remove(entry))
            {
                CacheMetrics.Evicted();
            }
        });
        MemoryPressure.Watch(this);
    }

    public InProcessLimits Limits { get; }

    /// <summary>How many entries are held, expired ones included until they are read, swept or evicted; applies the queued work first.</summary>
    public int Count
    {
        get
        {
            lock (_policyLock)
            {
                ApplyPending();
            }
            return _table.Count;
        }
    }

    /// <summary>The estimated bytes held: the slots taken times the slot size.</summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_policyLock)
            {
                ApplyPending();
                return _policy.Cost * Limits.SlotBytes;
            }
        }
    }

    /// <summary>The hit path: a fresh value whose tags are current, or false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet<T>(CacheKey key, out T value) => TryGet(key, out value, refreshAhead: false, out _);

    /// <summary>
    /// The hit path of every method: a fresh value whose tags are current, or false; for a method that refreshes
    /// ahead, whether the entry is due for it (the only case that reads <see cref="InProcessEntry{T}.RefreshAt"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet<T>(CacheKey key, out T value, bool refreshAhead, out bool refreshDue)
    {
        long now;
        if (_table.Find(key.Hash) is InProcessEntry<T> typed && (now = _clock.NowMilliseconds) < typed.FreshUntil &&
            (key.Tags.Count == 0 || _tags.AreCurrent(key.Tags, typed.Versions)))
        {
            if (typed.Hits < InProcessEntry.MaxHits)
            {
                typed.Hits++;
            }
            refreshDue = refreshAhead && now >= typed.RefreshAt;
            value = typed.Value;
            return true;
        }
        refreshDue = false;
        value = default!;
        return false;
    }

    /// <summary>
    /// The full read: a hit, a fail-safe value past its TTL, or a miss carrying the tags' current versions. Take the
    /// key's stamp first (<see cref="Stamp"/>): a value read anywhere after it may be kept with it.
    /// </summary>
    public CacheLookup<T> Get<T>(CacheKey key)
    {
        if (_table.Find(key.Hash) is InProcessEntry<T> typed)
        {
            long now = _clock.NowMilliseconds;
            bool current = key.Tags.Count == 0 || _tags.AreCurrent(key.Tags, typed.Versions);
            if (now < typed.FreshUntil && current)
            {
                if (typed.Hits < InProcessEntry.MaxHits)
                {
                    typed.Hits++;
                }
                return CacheLookup<T>.Hit(typed.Value, typed.RefreshAt == long.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(typed.RefreshAt - now));
            }
            if (now < typed.ExpiresAt && current)
            {
                return CacheLookup<T>.Stale(typed.Value, Versions(key));
            }
            if (_table.Remove(typed))
            {
                Schedule(typed);
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
    /// method. A method that refreshes ahead has it refreshed on the first hit <paramref name="refreshIn"/> from now.
    /// </summary>
    public void Set<T>(MethodDescription<T> method, CacheKey key, InProcessStamp stamp, T value, TimeSpan ttl, TimeSpan failSafe, long bytes,
        TimeSpan? refreshIn = null)
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
        long refreshAt = refreshIn is not { } due || due == TimeSpan.MaxValue ? long.MaxValue : now + (long)due.TotalMilliseconds;
        var entry = new InProcessEntry<T>(key.Hash, value, freshUntil, freshUntil + (long)failSafe.TotalMilliseconds, stamp.Versions, Limits.CostOf(bytes), refreshAt);
        if (!_table.TryPut(entry, _invalidations, stamp.Invalidations, outage: _outageLayer, out InProcessEntry? replaced))
        {
            return; // read before an invalidation of its key: never kept after it
        }
        if (replaced is not null)
        {
            Schedule(replaced);
        }
        if (!TrySchedule(entry))
        {
            _table.Remove(entry); // the policy is behind on this core: no writer waits for it, and the table stays near its limits
        }
    }

    /// <summary>Drops a key's entry. Count the invalidation first (<see cref="InvalidationCounters.Entry"/>), so no store of an older read follows.</summary>
    public void Invalidate(UInt128 hash)
    {
        if (_table.Remove(hash) is { } removed)
        {
            Schedule(removed);
        }
    }

    /// <summary>Moves a tag to a new version: every entry kept under an older one misses.</summary>
    public void InvalidateTag(UInt128 tagHash) => _tags.Invalidate(tagHash);

    /// <summary>
    /// Drops every entry. Count the clear first (<see cref="InvalidationCounters.Clear"/>, or
    /// <see cref="InvalidationCounters.ClearOutage"/> for the outage layer).
    /// </summary>
    public void Clear()
    {
        lock (_policyLock)
        {
            _table.Clear();
            _policy.Clear();
            ApplyPending(); // every queued entry is out now: each only leaves the policy
        }
    }

    /// <summary>Evicts down to half of what is held, least valuable first. Called when the GC reports a high memory load.</summary>
    public void TrimForMemoryPressure()
    {
        lock (_policyLock)
        {
            ApplyPending();
            SweepExpired(_clock.NowMilliseconds);
            _policy.Evict(_policy.Cost / 2);
        }
    }

    // Queues a removal for the policy; never dropped, since the policy still counts the entry.
    private void Schedule(InProcessEntry removed)
    {
        if (!TrySchedule(removed))
        {
            _overflow.Enqueue(removed);
        }
    }

    // Queues an entry on its core's ring; a ring that reaches a batch, or is full, is applied if the policy is free.
    private bool TrySchedule(InProcessEntry entry)
    {
        int held = _buffer.TryAdd(entry);
        if (held == 0)
        {
            TryApplyPending();
            held = _buffer.TryAdd(entry);
        }
        else if (held >= DrainBatch)
        {
            TryApplyPending();
        }
        return held != 0;
    }

    private void TryApplyPending()
    {
        if (Monitor.TryEnter(_policyLock))
        {
            try
            {
                ApplyPending();
            }
            finally
            {
                Monitor.Exit(_policyLock);
            }
        }
    }

    // Under the policy's lock, every queued entry. An entry's own state says what to do: in the table and not in the
    // policy, it was put in; out of the table and still in the policy, it was taken out; anything else was done already.
    private void ApplyPending()
    {
        while (_overflow.TryDequeue(out InProcessEntry? removed))
        {
            Apply(removed);
        }
        _buffer.Drain(this, static (entries, entry) => entries.Apply(entry));
    }

    private void Apply(InProcessEntry entry)
    {
        if (entry.Removed)
        {
            _policy.Remove(entry);
            return;
        }
        if (entry.PolicyNode != 0)
        {
            return;
        }
        if (_policy.Cost + entry.Cost > Limits.MaxEntries && _clock.NowMilliseconds is long now && now >= _nextSweep)
        {
            SweepExpired(now);
        }
        if (!entry.Removed)
        {
            _policy.Add(entry);
        }
    }

    // Expired entries go before any live one is evicted. A full sweep, at most once a second, and only when the table is full.
    private void SweepExpired(long now)
    {
        foreach (InProcessEntry entry in _table.Entries())
        {
            if (entry.ExpiresAt <= now && _table.Remove(entry))
            {
                _policy.Remove(entry);
            }
        }
        _nextSweep = now + SweepIntervalMilliseconds;
    }

    private TagVersions Versions(CacheKey key) => key.Tags.Count == 0 ? default : _tags.Current(key.Tags);
}
