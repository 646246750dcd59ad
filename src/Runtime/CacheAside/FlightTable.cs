namespace ResultCache;

/// <summary>
/// One method's flights in progress, by store and key. Each flight is its own node, so starting one allocates the
/// flight alone. Flights are few at any moment (one per key being computed), so the buckets are fixed and a bucket
/// mostly holds one flight or none: finding takes no lock, and adding a flight or removing the only one of its bucket
/// is one compare-and-swap of the bucket. Replacing a flight, or removing one from a longer chain, locks a stripe.
/// </summary>
/// <remarks>
/// Why that is safe: only those compare-and-swaps change a bucket's first link, and only locked removals and
/// replacements change a flight's own link, which they never do to a flight whose link is empty. So a chain of one
/// flight can only change at the bucket, where the swap sees it.
/// </remarks>
internal sealed class FlightTable<T>
{
    private const int Buckets = 256;
    private const int Stripes = 16;

    private readonly Flight<T>?[] _buckets = new Flight<T>?[Buckets];
    private readonly object[] _locks = [.. Enumerable.Range(0, Stripes).Select(_ => new object())];

    /// <summary>How many flights are in progress; walks every bucket, so for tests and diagnostics.</summary>
    public int Count
    {
        get
        {
            int count = 0;
            for (int i = 0; i < Buckets; i++)
            {
                for (Flight<T>? flight = Volatile.Read(ref _buckets[i]); flight is not null; flight = Volatile.Read(ref flight.Next))
                {
                    count++;
                }
            }
            return count;
        }
    }

    /// <summary>The flight of <paramref name="key"/> on <paramref name="store"/>, or null.</summary>
    public Flight<T>? Find(CacheStore store, UInt128 key) => Find(Volatile.Read(ref _buckets[Bucket(key)]), store, key);

    /// <summary>
    /// Puts <paramref name="flight"/> in the place of <paramref name="expected"/> (null: where there is none). False if
    /// the key's flight is another one by now: the caller joins that one instead.
    /// </summary>
    public bool TryPut(Flight<T> flight, Flight<T>? expected)
    {
        ref Flight<T>? bucket = ref _buckets[Bucket(flight.Key)];
        if (expected is null)
        {
            while (true)
            {
                Flight<T>? first = Volatile.Read(ref bucket);
                if (Find(first, flight.Store, flight.Key) is not null)
                {
                    return false;
                }
                flight.Next = first;
                if (Interlocked.CompareExchange(ref bucket, flight, first) == first)
                {
                    return true;
                }
            }
        }
        lock (_locks[Bucket(flight.Key) & (Stripes - 1)])
        {
            while (true)
            {
                Flight<T>? first = Volatile.Read(ref bucket);
                if (first == expected)
                {
                    flight.Next = expected.Next;
                    if (Interlocked.CompareExchange(ref bucket, flight, first) == first)
                    {
                        return true;
                    }
                    continue; // a flight was added in front meanwhile
                }
                Flight<T>? before = Before(first, expected);
                if (before is null)
                {
                    return false; // replaced or finished already
                }
                flight.Next = expected.Next;
                Volatile.Write(ref before.Next, flight);
                return true;
            }
        }
    }

    /// <summary>Takes out this very flight, if it is still in.</summary>
    public void Remove(Flight<T> flight)
    {
        ref Flight<T>? bucket = ref _buckets[Bucket(flight.Key)];
        if (flight.Next is null && Interlocked.CompareExchange(ref bucket, null, flight) == flight)
        {
            return; // it was the bucket's only flight
        }
        lock (_locks[Bucket(flight.Key) & (Stripes - 1)])
        {
            while (true)
            {
                Flight<T>? first = Volatile.Read(ref bucket);
                if (first == flight)
                {
                    if (Interlocked.CompareExchange(ref bucket, flight.Next, first) == first)
                    {
                        return;
                    }
                    continue; // a flight was added in front meanwhile
                }
                if (Before(first, flight) is { } before)
                {
                    Volatile.Write(ref before.Next, flight.Next); // the flight keeps its own link, so a reader standing on it walks on
                }
                return;
            }
        }
    }

    private static Flight<T>? Find(Flight<T>? flight, CacheStore store, UInt128 key)
    {
        while (flight is not null && (flight.Key != key || !ReferenceEquals(flight.Store, store)))
        {
            flight = Volatile.Read(ref flight.Next);
        }
        return flight;
    }

    // Under the stripe's lock: the flight whose link is `flight`, or null when `flight` is not in the chain after `first`.
    private static Flight<T>? Before(Flight<T>? first, Flight<T> flight)
    {
        for (Flight<T>? before = first; before is not null; before = before.Next)
        {
            if (before.Next == flight)
            {
                return before;
            }
        }
        return null;
    }

    private static int Bucket(UInt128 key) => (int)(ulong)key & (Buckets - 1);
}
