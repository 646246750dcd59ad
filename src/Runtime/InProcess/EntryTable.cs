using System.Numerics;
using System.Runtime.CompilerServices;

namespace ResultCache;

/// <summary>
/// The concurrent hash table of an in-process layer. Each entry is its own node (<see cref="InProcessEntry.NextInBucket"/>),
/// so a hit reads the bucket and the entry, nothing else: no separate dictionary node, no shared generic code for a
/// reference value. Reads take no lock. Writes lock one stripe of the keys, so writers of different keys run in
/// parallel; the caller's check under that lock (the key's invalidation stamp) orders a store and an invalidation of
/// one key.
/// </summary>
/// <remarks>
/// Growing relinks the entries while readers may walk them. A reader then follows either an entry's old link or its
/// new one; links only ever point to entries relinked earlier, so every walk ends, and at worst it misses a key that
/// is there. A miss on the hit path costs the leader's read, which looks again.
/// </remarks>
internal sealed class EntryTable
{
    private const int CountStride = 16; // one counter per 64-byte line, so stripes do not share one

    private readonly object[] _locks;
    private readonly int[] _counts;
    private readonly int _maxBuckets;
    private InProcessEntry?[] _buckets;

    /// <param name="maxEntries">The most entries the table is expected to hold; it never grows past one bucket each.</param>
    public EntryTable(int maxEntries)
    {
        int stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 4, 16, 1024));
        _locks = new object[stripes];
        for (int i = 0; i < stripes; i++)
        {
            _locks[i] = new object();
        }
        _counts = new int[stripes * CountStride];
        _maxBuckets = (int)Math.Max(stripes, BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(maxEntries, 1, 1 << 30)));
        _buckets = new InProcessEntry?[Math.Min(_maxBuckets, Math.Max(stripes, 64))];
    }

    /// <summary>How many entries the table holds.</summary>
    public int Count
    {
        get
        {
            int count = 0;
            for (int i = 0; i < _counts.Length; i += CountStride)
            {
                count += Volatile.Read(ref _counts[i]);
            }
            return count;
        }
    }

    /// <summary>The entry of <paramref name="key"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public InProcessEntry? Find(UInt128 key)
    {
        InProcessEntry?[] buckets = Volatile.Read(ref _buckets);
        InProcessEntry? entry = Volatile.Read(ref buckets[(int)(ulong)key & (buckets.Length - 1)]);
        while (entry is not null && !entry.Is(key))
        {
            entry = Volatile.Read(ref entry.NextInBucket);
        }
        return entry;
    }

    /// <summary>
    /// Puts <paramref name="entry"/> in, replacing the entry of its key, unless the key's invalidation stamp is no
    /// longer <paramref name="stamp"/> (<see cref="InvalidationCounters.Keeps"/>; <paramref name="outage"/>: the
    /// outage layer's table, whose clears are its own): checked under the key's lock, which an invalidation takes to
    /// remove the key, so a value read before an invalidation is never kept after it. <paramref name="replaced"/> is
    /// the entry it took the place of.
    /// </summary>
    public bool TryPut(InProcessEntry entry, InvalidationCounters invalidations, InvalidationStamp stamp, bool outage, out InProcessEntry? replaced)
    {
        replaced = null;
        int stripe = Stripe(entry.Key);
        bool grow;
        lock (_locks[stripe])
        {
            if (!invalidations.Keeps(entry.Key, stamp, outage))
            {
                return false;
            }
            ref InProcessEntry? link = ref LinkOf(entry.Key);
            if (link is not null)
            {
                replaced = link;
                replaced.Removed = true;
                entry.NextInBucket = replaced.NextInBucket;
                Volatile.Write(ref link, entry); // readers see the old entry or the new one, whole
                return true;
            }
            entry.NextInBucket = null;
            Volatile.Write(ref link, entry);
            int count = ++_counts[stripe * CountStride];
            grow = count * _locks.Length > _buckets.Length && _buckets.Length < _maxBuckets;
        }
        if (grow)
        {
            Grow();
        }
        return true;
    }

    /// <summary>Takes out the entry of <paramref name="key"/>; null if there was none.</summary>
    public InProcessEntry? Remove(UInt128 key)
    {
        lock (_locks[Stripe(key)])
        {
            ref InProcessEntry? link = ref LinkOf(key);
            return link is null ? null : Unlink(ref link);
        }
    }

    /// <summary>Takes out this very entry, if it is still in; false if it left already (replaced, invalidated, evicted).</summary>
    public bool Remove(InProcessEntry entry)
    {
        lock (_locks[Stripe(entry.Key)])
        {
            ref InProcessEntry? link = ref _buckets[Bucket(entry.Key)];
            while (link is not null && link != entry)
            {
                link = ref link.NextInBucket;
            }
            return link is not null && Unlink(ref link) is not null;
        }
    }

    /// <summary>Every entry held; while writers change the table an entry may be missed or seen twice.</summary>
    public IEnumerable<InProcessEntry> Entries()
    {
        InProcessEntry?[] buckets = Volatile.Read(ref _buckets);
        for (int i = 0; i < buckets.Length; i++)
        {
            for (InProcessEntry? entry = Volatile.Read(ref buckets[i]); entry is not null; entry = Volatile.Read(ref entry.NextInBucket))
            {
                if (!entry.Removed)
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Takes out every entry; each is marked <see cref="InProcessEntry.Removed"/>.</summary>
    public void Clear() => UnderAllLocks(() =>
    {
        foreach (InProcessEntry? head in _buckets)
        {
            for (InProcessEntry? entry = head; entry is not null; entry = entry.NextInBucket)
            {
                entry.Removed = true;
            }
        }
        _buckets = new InProcessEntry?[_buckets.Length];
        Array.Clear(_counts);
    });

    // Under the stripe's lock: the link that holds the key's entry, or the end of its bucket's chain.
    private ref InProcessEntry? LinkOf(UInt128 key)
    {
        ref InProcessEntry? link = ref _buckets[Bucket(key)];
        while (link is not null && !link.Is(key))
        {
            link = ref link.NextInBucket;
        }
        return ref link;
    }

    private int Bucket(UInt128 key) => (int)(ulong)key & (_buckets.Length - 1);

    // Under the stripe's lock. The entry keeps its own link, so a reader standing on it walks on.
    private InProcessEntry Unlink(ref InProcessEntry? link)
    {
        InProcessEntry entry = link!;
        entry.Removed = true;
        Volatile.Write(ref link, entry.NextInBucket);
        _counts[Stripe(entry.Key) * CountStride]--;
        return entry;
    }

    // Doubles the buckets under every lock. Stripes use the low bits of the key, and there are never fewer buckets
    // than stripes, so one bucket's keys always share one lock.
    private void Grow() => UnderAllLocks(() =>
    {
        InProcessEntry?[] old = _buckets;
        if (Count * _locks.Length <= old.Length || old.Length >= _maxBuckets)
        {
            return; // another writer grew it first
        }
        var grown = new InProcessEntry?[old.Length * 2];
        foreach (InProcessEntry? head in old)
        {
            for (InProcessEntry? entry = head; entry is not null;)
            {
                InProcessEntry? next = entry.NextInBucket;
                ref InProcessEntry? bucket = ref grown[(int)(ulong)entry.Key & (grown.Length - 1)];
                entry.NextInBucket = bucket;
                bucket = entry;
                entry = next;
            }
        }
        Volatile.Write(ref _buckets, grown);
    });

    private void UnderAllLocks(Action action)
    {
        int taken = 0;
        try
        {
            for (; taken < _locks.Length; taken++)
            {
                Monitor.Enter(_locks[taken]);
            }
            action();
        }
        finally
        {
            for (int i = taken - 1; i >= 0; i--)
            {
                Monitor.Exit(_locks[i]);
            }
        }
    }

    private int Stripe(UInt128 key) => (int)(ulong)key & (_locks.Length - 1);
}
