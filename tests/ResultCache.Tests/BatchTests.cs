using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>
/// Batch calls: one ...ManyCore call for the keys that missed, sharing entries, flights and invalidation with the
/// single method, on both stores, with Redis unreachable, and on a Redis Cluster.
/// </summary>
public sealed class BatchTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly LogSink _log = new();

    public static TheoryData<string> StoreKinds => StoreUnderTest.Kinds;

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_batch_at_90_percent_hits_asks_the_core_once_for_the_ten_missing_ids_and_fills_what_single_calls_read(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, TimeProvider.System, _log);
        var service = new BatchService(under.Store);
        for (int id = 0; id < 90; id++)
        {
            await service.GetProductAsync(id, Region.North);
        }
        service.Asked.Clear();

        IReadOnlyDictionary<int, string> answer = await service.GetProductManyAsync(Enumerable.Range(0, 100).Reverse(), Region.North);

        Assert.Equal(100, answer.Count);
        Assert.All(answer, pair => Assert.Equal($"{pair.Key}@North", pair.Value));
        Assert.Equal(1, service.ManyCalls);
        Assert.Equal(Enumerable.Range(90, 10).Reverse(), Assert.Single(service.Asked)); // the missing ones, in the caller's order
        Assert.Equal("95@North", await service.GetProductAsync(95, Region.North)); // the batch filled the single method's entry
        Assert.Equal(90, service.SingleCalls);
        Assert.Equal(2, (await service.GetProductManyAsync([3, 95], Region.South)).Count);
        Assert.Equal(2, service.ManyCalls); // another region is another key
    }

    [Fact]
    public async Task On_Redis_a_batch_at_90_percent_hits_reads_with_one_command_not_one_per_key()
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync("redis", TimeProvider.System, _log);
        var service = new BatchService(under.Store);
        service.PriceMany(Enumerable.Range(0, 90)); // untagged: its reads are one MGET

        // One MGET and ten SETs; a few more leave room for the client's own heartbeat, never a GET per key.
        long commands = await under.MeasureAsync(() => Task.FromResult(service.PriceMany(Enumerable.Range(0, 100))));

        Assert.InRange(commands, 11, 20);
        Assert.Equal(2, service.ManyCalls);
        Assert.Equal(Enumerable.Range(90, 10), service.Asked.Last());
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Duplicates_are_asked_once_and_ids_the_core_leaves_out_are_absent_and_not_cached(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, TimeProvider.System, _log);
        var service = new BatchService(under.Store);
        service.Unknown.Add(7);
        await service.GetProductAsync(3, Region.North);
        service.Asked.Clear();

        IReadOnlyDictionary<int, string> answer = await service.GetProductManyAsync([5, 3, 7, 5, 9], Region.North);

        Assert.Equal([3, 5, 9], answer.Keys.Order());
        Assert.Equal([5, 7, 9], Assert.Single(service.Asked));
        await service.GetProductManyAsync([7], Region.North);
        Assert.Equal([7], service.Asked.Last()); // not cached: asked again
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Invalidating_one_element_or_its_tag_makes_only_that_element_miss(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, TimeProvider.System, _log);
        var service = new BatchService(under.Store);
        await service.GetProductManyAsync(Enumerable.Range(0, 10), Region.North);

        await service.InvalidateGetProductAsync(4, Region.North);
        await under.Store.InvalidateTagAsync("product:6");
        await service.GetProductManyAsync(Enumerable.Range(0, 10), Region.North);

        Assert.Equal([4, 6], service.Asked.Last());
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Sync_and_ValueTask_methods_have_batch_companions_too(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, TimeProvider.System, _log);
        var service = new BatchService(under.Store);
        Assert.Equal(8, service.Price(4));
        IReadOnlyDictionary<int, int> prices = service.PriceMany([4, 5, 6]);
        Assert.Equal(new Dictionary<int, int> { [4] = 8, [5] = 10, [6] = 12 }, prices);
        Assert.Equal([5, 6], service.Asked.Last());
        IReadOnlyDictionary<long, long> stock = await service.StockManyAsync([1L, 2L]);
        Assert.Equal(6, stock[2]);
        Assert.Equal(3, await service.StockAsync(1));
        Assert.Equal(2, service.ManyCalls);
        Assert.Equal(1, service.SingleCalls);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [InlineData("redis")]
    [InlineData("unreachable")]
    public async Task Sixteen_callers_of_overlapping_batches_and_single_calls_compute_each_key_once(string kind)
    {
        await using RedisServer? redis = kind == "redis" ? await RedisServer.StartAsync() : null;
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis?.Configuration ?? $"127.0.0.1:{RedisServer.FreePort()}", Logger = _log, Backoff = TimeSpan.FromMinutes(10),
            FirstBackoff = TimeSpan.FromMinutes(10),
        });
        var service = new BatchService(store) { Hold = new TaskCompletionSource() };

        // Caller c asks for ids [4c, 4c + 40): neighbours overlap by 36; every fourth caller makes single calls instead.
        Task[] callers = Enumerable.Range(0, 16).Select(c => c % 4 == 3
            ? Task.WhenAll(Enumerable.Range(4 * c, 40).Select(id => service.GetProductAsync(id, Region.North)))
            : (Task)service.GetProductManyAsync(Enumerable.Range(4 * c, 40), Region.North)).ToArray();
        await Task.Delay(200);
        service.Hold.SetResult();
        await Task.WhenAll(callers).WaitAsync(Limit);

        int[] computed = service.Asked.SelectMany(ids => ids).ToArray();
        Assert.Equal(computed.Distinct().Count(), computed.Length); // no key computed twice
        Assert.Equal(Enumerable.Range(0, 4 * 15 + 40), computed.Order());
        foreach (Task<IReadOnlyDictionary<int, string>> batch in callers.OfType<Task<IReadOnlyDictionary<int, string>>>())
        {
            Assert.Equal(40, (await batch).Count);
        }
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Across_instances_each_element_is_computed_once_under_its_own_lease()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var asked = new System.Collections.Concurrent.ConcurrentQueue<int[]>();
        var hold = new TaskCompletionSource();
        var stores = Enumerable.Range(0, 3).Select(_ => new RedisCacheStore(new RedisCacheStoreOptions { Configuration = redis.Configuration, Logger = _log })).ToList();
        try
        {
            // Instance i asks for [10i, 10i + 30): each overlaps the next by 20 ids.
            var services = stores.Select(store => new BatchService(store, asked) { Hold = hold }).ToList();
            Task<IReadOnlyDictionary<int, string>>[] batches = services.Select((s, i) => s.GetSharedManyAsync(Enumerable.Range(10 * i, 30))).ToArray();
            await Task.Delay(300);
            hold.SetResult();
            IReadOnlyDictionary<int, string>[] answers = await Task.WhenAll(batches).WaitAsync(Limit);

            Assert.All(answers, a => Assert.Equal(30, a.Count));
            int[] computed = asked.SelectMany(ids => ids).ToArray();
            Assert.Equal(Enumerable.Range(0, 50), computed.Order()); // each id once, fleet-wide
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_batch_over_every_slot_range_of_a_cluster_needs_no_cross_slot_command()
    {
        await using RedisCluster cluster = await RedisCluster.StartAsync(masters: 3);
        using var store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = cluster.Configuration, Logger = _log });
        var service = new BatchService(store);

        IReadOnlyDictionary<int, string> first = await service.GetProductManyAsync(Enumerable.Range(0, 300), Region.North);
        IReadOnlyDictionary<int, string> second = await service.GetProductManyAsync(Enumerable.Range(0, 300), Region.North);

        Assert.Equal(300, first.Count);
        Assert.Equal(first, second);
        Assert.Equal(1, service.ManyCalls); // the second batch read every element back from the cluster
        Assert.All(cluster.Nodes.Take(3), node => Assert.True(cluster.KeysOn(node) > 0, "A master holds none of the batch's keys."));
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains("CROSSSLOT", StringComparison.Ordinal));
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Elements_count_as_hits_and_misses_and_each_batch_records_its_size_and_a_span()
    {
        using var metrics = new MetricRecorder();
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == ResultCacheTelemetry.ActivitySourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using StoreUnderTest under = await StoreUnderTest.StartAsync("memory", TimeProvider.System, _log);
        var service = new BatchService(under.Store);
        const string method = "ResultCache.Tests.BatchService.StockAsync";

        await service.StockManyAsync([1L, 2L, 3L]);
        await service.StockManyAsync([1L, 2L, 3L, 4L, 4L]);

        Assert.Equal(3 + 3 + 1, metrics.Sum("cache.hits", "cache.method", method) + metrics.Sum("cache.misses", "cache.method", method));
        Assert.Equal(3, metrics.Sum("cache.hits", "cache.method", method));
        Assert.Equal([3.0, 5.0], metrics.Values("cache.batch.size", "cache.method", method));
        Assert.Equal(2, spans.Count(s => s.DisplayName == "cache batch" && (string?)s.GetTagItem("cache.method") == method));
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_failing_core_fails_the_batch_and_caches_nothing(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, TimeProvider.System, _log);
        var service = new BatchService(under.Store) { Failure = new InvalidOperationException("database down") };

        Assert.Same(service.Failure, await Assert.ThrowsAsync<InvalidOperationException>(() => service.GetProductManyAsync([1, 2], Region.North)));
        service.Failure = null;
        Assert.Equal(2, (await service.GetProductManyAsync([1, 2], Region.North)).Count);
        Assert.Equal([1, 2], service.Asked.Last());
    }
}
