namespace ResultCache;

/// <summary>
/// One method's flights in progress, by store and key. Each flight is its own node, so starting one allocates the
/// flight alone. Finding one takes no lock; adding, replacing and removing lock one stripe of the keys. Flights are
/// few at any moment (one per key being computed), so the buckets are fixed.
/// </summary>
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
    public Flight<T>? Find(CacheStore store, UInt128 key)
    {
        Flight<T>? flight = Volatile.Read(ref _buckets[Bucket(key)]);
        while (flight is not null && (flight.Key != key || !ReferenceEquals(flight.Store, store)))
        {
            flight = Volatile.Read(ref flight.Next);
        }
        return flight;
    }

    /// <summary>
    /// Puts <paramref name="flight"/> in the place of <paramref name="expected"/> (null: where there is none). False if
    /// the key's flight is another one by now: the caller joins that one instead.
    /// </summary>
    public bool TryPut(Flight<T> flight, Flight<T>? expected)
    {
        lock (_locks[Bucket(flight.Key) & (Stripes - 1)])
        {
            ref Flight<T>? link = ref Link(flight.Store, flight.Key);
            if (link != expected)
            {
                return false;
            }
            flight.Next = link is null ? Volatile.Read(ref _buckets[Bucket(flight.Key)]) : link.Next;
            if (link is null)
            {
                Volatile.Write(ref _buckets[Bucket(flight.Key)], flight);
            }
            else
            {
                Volatile.Write(ref link, flight);
            }
            return true;
        }
    }

    /// <summary>Takes out this very flight, if it is still in.</summary>
    public void Remove(Flight<T> flight)
    {
        lock (_locks[Bucket(flight.Key) & (Stripes - 1)])
        {
            ref Flight<T>? link = ref _buckets[Bucket(flight.Key)];
            while (link is not null && link != flight)
            {
                link = ref link.Next;
            }
            if (link is not null)
            {
                Volatile.Write(ref link, flight.Next); // the flight keeps its own link, so a reader standing on it walks on
            }
        }
    }

    // Under the stripe's lock: the link that holds the key's flight, or the chain's end when there is none.
    private ref Flight<T>? Link(CacheStore store, UInt128 key)
    {
        ref Flight<T>? link = ref _buckets[Bucket(key)];
        while (link is not null && (link.Key != key || !ReferenceEquals(link.Store, store)))
        {
            link = ref link.Next;
        }
        return ref link;
    }

    private static int Bucket(UInt128 key) => (int)(ulong)key & (Buckets - 1);
}
