namespace ResultCache.Tests.Units;

/// <summary>The table of flights in progress: one per store and key, replaced only in the place of the one expected.</summary>
public sealed class FlightTableTests
{
    private readonly CacheStore _tenantA = new MemoryCacheStore();
    private readonly CacheStore _tenantB = new MemoryCacheStore();

    [Fact]
    public void Two_stores_never_share_a_flight_for_one_key()
    {
        var flights = new FlightTable<int>();
        var a = new Flight<int>(0, _tenantA, 42);
        var b = new Flight<int>(0, _tenantB, 42);

        Assert.True(flights.TryPut(a, expected: null));
        Assert.True(flights.TryPut(b, expected: null));

        Assert.Same(a, flights.Find(_tenantA, 42));
        Assert.Same(b, flights.Find(_tenantB, 42));
        Assert.Null(flights.Find(_tenantA, 43));
        Assert.Equal(2, flights.Count);
    }

    [Fact]
    public void A_flight_takes_the_place_only_of_the_one_its_caller_saw()
    {
        var flights = new FlightTable<int>();
        var first = new Flight<int>(0, _tenantA, 7);
        var newer = new Flight<int>(1, _tenantA, 7);
        var late = new Flight<int>(1, _tenantA, 7);
        flights.TryPut(first, expected: null);

        Assert.False(flights.TryPut(late, expected: null));   // one is there: join it
        Assert.True(flights.TryPut(newer, expected: first));  // older than an invalidation: replaced
        Assert.False(flights.TryPut(late, expected: first));  // replaced already

        flights.Remove(first);                                 // the old leader finishing leaves the new flight
        Assert.Same(newer, flights.Find(_tenantA, 7));
        flights.Remove(newer);
        Assert.Null(flights.Find(_tenantA, 7));
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public void Flights_in_one_bucket_are_found_and_removed_each_alone()
    {
        var flights = new FlightTable<int>();
        Flight<int>[] sameBucket = [.. Enumerable.Range(0, 5).Select(i => new Flight<int>(0, _tenantA, (UInt128)(i * 256)))];
        Assert.All(sameBucket, f => Assert.True(flights.TryPut(f, expected: null)));

        flights.Remove(sameBucket[2]);

        Assert.Null(flights.Find(_tenantA, 512));
        Assert.All(sameBucket.Where((_, i) => i != 2), f => Assert.Same(f, flights.Find(_tenantA, f.Key)));
        Assert.Equal(4, flights.Count);
    }

    [Fact]
    public void Flights_added_and_removed_from_many_threads_in_a_few_buckets_are_each_found_while_in_and_gone_after()
    {
        // Eight threads each hold three flights of their own keys at once, in one bucket that two threads share, and finish them in
        // another order, so chains form and the swaps on a bucket race the locked removals from its chain: no flight
        // may be lost from the table or left in it.
        var flights = new FlightTable<int>();
        int wrong = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var held = new Flight<int>[3];
            for (int round = 0; round < 10_000; round++)
            {
                for (int i = 0; i < held.Length; i++)
                {
                    UInt128 key = (UInt128)((((((thread * 10_000) + round) * held.Length) + i) * 256) + (thread % 4));
                    held[i] = new Flight<int>(0, _tenantA, key);
                    if (!flights.TryPut(held[i], expected: null))
                    {
                        Interlocked.Increment(ref wrong); // each key is this thread's alone: no other flight may hold it
                    }
                }
                foreach (int i in round % 2 == 0 ? [1, 0, 2] : new[] { 2, 1, 0 })
                {
                    if (!ReferenceEquals(flights.Find(_tenantA, held[i].Key), held[i]))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                    flights.Remove(held[i]);
                    if (flights.Find(_tenantA, held[i].Key) is not null)
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
            }
        });

        Assert.Equal(0, wrong);
        Assert.Equal(0, flights.Count);
    }
}
