using Microsoft.Extensions.Logging;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Units;

/// <summary>The in-process table behind the embedded store, the local layer and the outage layer: eviction, bounds, pressure.</summary>
public sealed class InProcessEntriesTests
{
    private static readonly MethodDescription<int> Numbers = Method("Tests.InProcess.Numbers");
    private static readonly MethodDescription<int> Others = Method("Tests.InProcess.Others");

    private readonly LogSink _log = new();

    [Fact]
    public void A_scan_of_one_off_keys_does_not_push_out_the_popular_ones()
    {
        // 20 popular keys, each asked for once per 200 one-off keys: an LRU of 100 entries would have evicted each
        // before its next request (a 0 % hit ratio); frequency-aware admission keeps them.
        InProcessEntries table = Table(new InProcessLimits(MaxEntries: 100, MaxBytes: 1 << 30, MaxEntryBytes: 1 << 20));
        int popularRequests = 0;
        int popularHits = 0;
        for (int oneOff = 1_000; oneOff < 21_000; oneOff++)
        {
            Store(table, oneOff);
            if (oneOff % 10 == 0)
            {
                int popular = (oneOff / 10) % 20;
                popularRequests++;
                if (table.TryGet(Key(popular), out int _))
                {
                    popularHits++;
                }
                else
                {
                    Store(table, popular); // a miss: the caller computes and stores it
                }
            }
        }

        Assert.True(popularHits >= 0.9 * popularRequests, $"Popular keys hit {popularHits} of {popularRequests} times during the scan.");
        Assert.InRange(table.Count, 1, 100);
    }

    [Fact]
    public void A_key_that_becomes_popular_gets_in()
    {
        InProcessEntries table = Table(new InProcessLimits(MaxEntries: 100, MaxBytes: 1 << 30, MaxEntryBytes: 1 << 20));
        for (int key = 0; key < 100; key++)
        {
            Store(table, key);
        }

        for (int round = 0; round < 10; round++)
        {
            if (!table.TryGet(Key(5_000), out int _))
            {
                Store(table, 5_000); // a miss: the caller computes and stores it again
            }
        }

        Assert.True(table.TryGet(Key(5_000), out int value));
        Assert.Equal(5_000, value);
    }

    [Fact]
    public void The_byte_budget_bounds_the_estimated_size_and_the_count_bounds_the_entries()
    {
        var limits = new InProcessLimits(MaxEntries: 1_000, MaxBytes: 100_000, MaxEntryBytes: 50_000);
        InProcessEntries table = Table(limits);
        for (int key = 0; key < 500; key++)
        {
            Store(table, key, bytes: 1_000);
            Assert.InRange(table.EstimatedBytes, 1_000, limits.MaxBytes);
        }
        Assert.InRange(table.Count, 90, 100); // 1 000-byte entries: the bytes bind first

        for (int key = 1_000; key < 5_000; key++)
        {
            Store(table, key, bytes: 10);
            Assert.InRange(table.Count, 1, limits.MaxEntries); // tiny entries: the count binds first
        }
        Assert.InRange(table.EstimatedBytes, 1, limits.MaxBytes);
    }

    [Fact]
    public void An_entry_over_the_cap_is_not_kept_and_is_counted_every_time_and_logged_once_per_method()
    {
        using var metrics = new MetricRecorder();
        InProcessEntries table = Table(new InProcessLimits(MaxEntries: 100, MaxBytes: 1_000_000, MaxEntryBytes: 10_000));

        table.Set(Numbers, Key(1), default, 1, TimeSpan.FromMinutes(1), TimeSpan.Zero, bytes: 10_001);
        table.Set(Numbers, Key(2), default, 2, TimeSpan.FromMinutes(1), TimeSpan.Zero, bytes: 20_000);
        table.Set(Others, Key(3), default, 3, TimeSpan.FromMinutes(1), TimeSpan.Zero, bytes: 1_000_000);
        table.Set(Numbers, Key(4), default, 4, TimeSpan.FromMinutes(1), TimeSpan.Zero, bytes: 10_000); // at the cap: kept

        Assert.Equal(1, table.Count);
        Assert.True(table.TryGet(Key(4), out int _));
        Assert.Equal(2, metrics.Sum("cache.too_large", "cache.method", Numbers.Name));
        Assert.Equal(1, metrics.Sum("cache.too_large", "cache.method", Others.Name));
        string[] warnings = _log.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToArray();
        Assert.Equal(2, warnings.Length);
        Assert.Contains(warnings, w => w.Contains(Numbers.Name) && w.Contains("10001 bytes") && w.Contains("Raise MaxEntryBytes"));
        Assert.Contains(warnings, w => w.Contains(Others.Name));
    }

    [Fact]
    public void Under_memory_pressure_the_table_gives_back_half_and_keeps_the_popular_entries()
    {
        InProcessEntries table = Table(new InProcessLimits(MaxEntries: 100, MaxBytes: 1 << 30, MaxEntryBytes: 1 << 20));
        for (int key = 0; key < 100; key++)
        {
            Store(table, key);
        }
        for (int hit = 0; hit < 3; hit++)
        {
            for (int popular = 0; popular < 10; popular++)
            {
                Assert.True(table.TryGet(Key(popular), out int _));
            }
        }
        long before = table.EstimatedBytes;

        table.TrimForMemoryPressure();

        Assert.InRange(table.Count, 1, 50);
        Assert.InRange(table.EstimatedBytes, 1, before / 2);
        Assert.All(Enumerable.Range(0, 10), popular => Assert.True(table.TryGet(Key(popular), out int _), $"Popular entry {popular} was trimmed."));
    }

    [Fact]
    public void Writers_on_many_threads_keep_every_value_with_its_key_and_the_table_ends_within_its_bounds()
    {
        // Stores, replacements, invalidations and reads of 20 000 keys from 8 threads, against a table of 1 000: the
        // table changes at once and the policy catches up, so no read may see another key's value, and once the
        // writers stop the policy's queue is applied and the bounds hold.
        var limits = new InProcessLimits(MaxEntries: 1_000, MaxBytes: 1_000 * 1_000, MaxEntryBytes: 10_000);
        InProcessEntries table = Table(limits);
        int wrong = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var random = new Random(thread);
            for (int i = 0; i < 50_000; i++)
            {
                int key = random.Next(20_000);
                if (table.TryGet(Key(key), out int value) && value != key)
                {
                    Interlocked.Increment(ref wrong);
                }
                switch (i % 10)
                {
                    case 0:
                        table.Invalidate(Key(key).Hash);
                        break;
                    default:
                        Store(table, key, bytes: 100 + (key % 3_000));
                        break;
                }
            }
        });

        Assert.Equal(0, wrong);
        Assert.InRange(table.EstimatedBytes, 1, limits.MaxBytes); // applies what the writers queued
        Assert.InRange(table.Count, 1, limits.MaxEntries);
    }

    [Fact]
    public async Task Every_key_stays_readable_while_the_table_grows_under_concurrent_readers()
    {
        // The table starts small and doubles as keys arrive; readers walking a bucket meanwhile may miss a key (the
        // leader's read looks again) but never see a wrong one, and after growing every key is there.
        InProcessEntries table = Table(new InProcessLimits(MaxEntries: 100_000, MaxBytes: 1L << 30, MaxEntryBytes: 1 << 20));
        int wrong = 0;
        using var stop = new CancellationTokenSource();
        Task[] readers = [.. Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            while (!stop.IsCancellationRequested)
            {
                int key = random.Next(50_000);
                if (table.TryGet(Key(key), out int value) && value != key)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        }))];
        for (int key = 0; key < 50_000; key++)
        {
            Store(table, key);
        }
        stop.Cancel();
        await Task.WhenAll(readers);

        Assert.Equal(0, wrong);
        Assert.Equal(50_000, table.Count);
        Assert.All(Enumerable.Range(0, 50_000), key => Assert.True(table.TryGet(Key(key), out int value) && value == key, $"Key {key} was lost."));
    }

    [Fact]
    public void The_default_budget_is_a_quarter_of_what_the_gc_may_use_and_the_cap_a_tenth_of_it()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

        InProcessLimits limits = InProcessLimits.From(maxEntries: 100_000, maxBytes: null, maxEntryBytes: null);

        Assert.Equal(available / 4, limits.MaxBytes);
        Assert.Equal(available / 40, limits.MaxEntryBytes);
        Assert.Equal(100_000, limits.MaxEntries);
    }

    [Fact]
    public void The_size_estimate_is_twice_the_json_plus_the_entry_overhead_and_never_throws()
    {
        string text = new('x', 1_000);

        Assert.Equal(EntrySize.Overhead + (2 * 1_002), EntrySize.Estimate(text, TestJson.Default.String)); // the quotes count
        Assert.Equal(EntrySize.Overhead + (2 * 4), EntrySize.Estimate(1234, TestJson.Default.Int32));
        Assert.Equal(EntrySize.Overhead + (2 * 2_000_002L), EntrySize.Estimate(new string('y', 2_000_000), TestJson.Default.String));
    }

    [Fact]
    public void A_number_weighs_as_the_longest_json_of_its_type_and_anything_else_as_its_own_json()
    {
        // 1234 is 4 bytes of JSON; an int is weighed as its longest (-2147483648, 11) without being serialized.
        Assert.Equal(EntrySize.Overhead + (2 * 11), EntrySize.Of(1234, TestJson.Default.Int32));
        Assert.Equal(EntrySize.Overhead + (2 * 20), EntrySize.Of(long.MinValue, TestJson.Default.Int64));
        Assert.Equal(EntrySize.Estimate(new string('x', 500), TestJson.Default.String), EntrySize.Of(new string('x', 500), TestJson.Default.String));
    }

    [Fact]
    public void The_frequency_sketch_saturates_and_ages()
    {
        var sketch = new FrequencySketch();
        for (int i = 0; i < 20; i++)
        {
            sketch.Increment(7);
        }
        Assert.Equal(15, sketch.Frequency(7));
        Assert.Equal(0, sketch.Frequency(8));

        // Three samples per counter later, every count has been halved at least once.
        for (int i = 0; i < 3 * sketch.Capacity; i++)
        {
            sketch.Increment(UInt128.MaxValue - (UInt128)(i % 1_000));
        }
        Assert.InRange(sketch.Frequency(7), 0, 7);
    }

    [Fact]
    public void A_cluster_node_reopening_drops_local_values_read_before_it_while_the_outage_layer_keeps_those_computed_meanwhile()
    {
        // One store's counters, its local layer and its outage layer: a value read (or computed) before a node's gate
        // reopened must not enter the emptied local layer, yet a result computed for a still-failing node's key does
        // enter the outage layer, or that key runs ...Core again on its next call.
        var limits = new InProcessLimits(MaxEntries: 100, MaxBytes: 1 << 20, MaxEntryBytes: 1 << 16);
        var counters = new InvalidationCounters();
        var local = new InProcessEntries(limits, TimeProvider.System, _log, counters);
        var outage = new InProcessEntries(limits, TimeProvider.System, _log, counters, outageLayer: true);
        InProcessStamp localStamp = local.Stamp(Key(1)), outageStamp = outage.Stamp(Key(1));

        counters.Clear(); // the node's gate is about to reopen: the local layer goes
        local.Set(Numbers, Key(1), localStamp, 1, TimeSpan.FromMinutes(1), TimeSpan.Zero, 100);
        outage.Set(Numbers, Key(1), outageStamp, 1, TimeSpan.FromMinutes(1), TimeSpan.Zero, 100);

        Assert.False(local.TryGet(Key(1), out int _));
        Assert.True(outage.TryGet(Key(1), out int kept));
        Assert.Equal(1, kept);

        // Every gate open again: the outage layer goes, and keeps no value stamped before.
        outageStamp = outage.Stamp(Key(2));
        counters.ClearOutage();
        outage.Set(Numbers, Key(2), outageStamp, 2, TimeSpan.FromMinutes(1), TimeSpan.Zero, 100);
        Assert.False(outage.TryGet(Key(2), out int _));
    }

    private InProcessEntries Table(InProcessLimits limits) => new(limits, TimeProvider.System, _log, new InvalidationCounters());

    private static void Store(InProcessEntries table, int key, long bytes = 100) =>
        table.Set(Numbers, Key(key), table.Stamp(Key(key)), key, TimeSpan.FromMinutes(10), TimeSpan.Zero, bytes);

    // Spread like real key hashes: the sketch and the dictionary see uniformly mixed bits.
    private static CacheKey Key(int key) => new(System.IO.Hashing.XxHash128.HashToUInt128(BitConverter.GetBytes(key)));

    private static MethodDescription<int> Method(string name) => new CachedMethod<int>(name, "00000000", 60, CacheJson.From<int>(TestJson.Default)).Description;
}
