using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ResultCache.Tests;

/// <summary>The Redis store's in-process layer: its hits, its TTL, coherence across instances, and Redis outages.</summary>
public sealed class LocalCacheTests(ITestOutputHelper output)
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly DateOnly Day = new(2026, 11, 26);
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan EvictionLimit = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new();
    private readonly LogSink _log = new();

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_local_hit_sends_nothing_to_redis_and_the_local_ttl_is_its_own()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewInstance(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(1, store.InProcessCount);

        await redis.CommandAsync(["FLUSHALL"]); // Redis forgets the entry; the local layer still has it
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(1, service.CoreCalls);

        _time.Advance(TimeSpan.FromSeconds(11)); // past the local TTL (10 s), well within the method's (300 s)
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(2, service.CoreCalls); // read through to Redis, which no longer had it
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Writes_and_invalidations_on_one_instance_evict_the_other_instances_local_copies()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore first = NewInstance(redis);
        using RedisCacheStore second = NewInstance(redis);
        var onFirst = new ProjectReports(first);
        var onSecond = new ProjectReports(second);

        var evictions = new List<TimeSpan>();
        for (int trial = 0; trial < 60; trial++)
        {
            var day = Day.AddDays(trial);
            await onFirst.GetStatsAsync(Project, day);
            // A Redis hit, kept locally. A read overlapping an eviction message (here: the first instance's write)
            // is not kept, to be safe, so read until one is.
            Assert.True(await Eventually.TrueAsync(async () =>
            {
                await onSecond.GetStatsAsync(Project, day);
                return second.InProcessCount > 0;
            }, EvictionLimit));
            int secondCalls = onSecond.CoreCalls;

            // Alternate an exact invalidation, a tag invalidation and a fresh write on the first instance.
            long received = second.InProcessRemovals;
            var elapsed = Stopwatch.StartNew();
            switch (trial % 3)
            {
                case 0:
                    await onFirst.InvalidateGetStatsAsync(Project, day);
                    break;
                case 1:
                    await first.InvalidateTagAsync($"project:{Project}");
                    break;
                default:
                    // Drop the Redis entry silently (no message), so the first instance misses and writes afresh.
                    foreach (string key in redis.Keys("rc:ResultCache.Tests.ProjectReports.GetStatsAsync:*"))
                    {
                        await redis.Admin.KeyDeleteAsync(key);
                    }
                    received = second.InProcessRemovals;
                    elapsed.Restart();
                    await onFirst.GetStatsAsync(Project, day);
                    break;
            }
            // Spin rather than poll: the figure is the eviction's delay, not a polling interval's. On a thread of its own,
            // so the spin never holds a thread-pool thread the subscription's callback needs.
            bool evicted = await Task.Factory.StartNew(() => SpinWait.SpinUntil(() => second.InProcessRemovals > received, EvictionLimit),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.True(evicted, $"Trial {trial}: no eviction reached the second instance.");
            evictions.Add(elapsed.Elapsed);

            if (trial % 3 != 2)
            {
                await onSecond.GetStatsAsync(Project, day);
                Assert.Equal(secondCalls + 1, onSecond.CoreCalls); // its local copy is gone, and Redis's too: a miss
            }
        }

        evictions.Sort();
        ReliabilityReport(evictions);
        Assert.True(evictions[^1] < TimeSpan.FromSeconds(2), $"The slowest eviction took {evictions[^1]}."); // generous: a shared machine
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task An_entry_over_the_local_cap_is_read_from_redis_each_time_and_never_kept_locally()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var metrics = new MetricRecorder();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration,
            TimeProvider = _time,
            Logger = _log,
            LocalCache = new LocalCacheOptions { MaxEntryBytes = 100_000 }, // the payload's length is its weight
        });
        var documents = new Documents(store);

        string large = documents.Render(megabytes: 1); // about 512 KB of JSON
        documents.Render(megabytes: 0);
        Assert.Equal(large, documents.Render(megabytes: 1));
        documents.Render(megabytes: 0);

        Assert.Equal(2, documents.CoreCalls);  // both cached in Redis
        Assert.Equal(1, store.InProcessCount); // only the small one in process
        Assert.Equal(2, metrics.Sum("cache.too_large", "cache.method", "ResultCache.Tests.Documents.Render")); // its write, then its read
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task While_redis_is_down_the_local_layer_serves_and_the_subscription_returns_with_redis()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewInstance(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        redis.Kill();
        await service.GetStatsAsync(Project, Day.AddDays(1)); // trips the gate
        Assert.Equal(RedisStatus.Unavailable, store.Status);
        int before = service.CoreCalls;
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(before, service.CoreCalls); // served locally with the gate closed

        await redis.RestartAsync();
        _time.Advance(Backoff); // the backoff's end starts the probe; a call made now could race it, so none is made
        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, TimeSpan.FromSeconds(10)));
        // Cleared right after the gate opens: evictions sent during the outage were missed. (The local TTL never lapses
        // on the fake clock, so nothing else could empty it.)
        Assert.True(await Eventually.TrueAsync(() => store.InProcessCount == 0, TimeSpan.FromSeconds(5)));

        await service.GetStatsAsync(Project, Day); // stored again, locally too
        using RedisCacheStore other = NewInstance(redis);
        await new StatsService(other).InvalidateGetStatsAsync(Project, Day);
        Assert.True(await Eventually.TrueAsync(() => store.InProcessCount == 0, EvictionLimit), "The subscription did not come back with Redis.");
    }

    private void ReliabilityReport(List<TimeSpan> sorted) =>
        Reliability.ReliabilityReport.Write(output,
            "| instances | trials | eviction p50 | eviction p95 | eviction max |\n|---:|---:|---:|---:|---:|",
            $"| 2 | {sorted.Count} | {Ms(sorted[sorted.Count / 2])} | {Ms(sorted[(int)(sorted.Count * 0.95)])} | {Ms(sorted[^1])} |");

    private static string Ms(TimeSpan value) => $"{value.TotalMilliseconds:0.0} ms";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_local_layer_keeps_to_its_own_limits_whether_outage_caching_is_on_or_off(bool outageOn)
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var options = new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration,
            TimeProvider = _time,
            LocalCache = new LocalCacheOptions { Ttl = TimeSpan.FromSeconds(60), MaxEntries = 100 },
        };
        options.OutageCache.Ttl = outageOn ? Timeout.InfiniteTimeSpan : TimeSpan.Zero; // on (100 000 entries) by default
        using var store = new RedisCacheStore(options);
        var service = new StatsService(store);
        for (int i = 0; i < 1_000; i++)
        {
            await service.GetStatsAsync(Project, Day.AddDays(i));
        }
        Assert.InRange(store.LocalCount, 1, 100);

        long before = GetCalls(redis);
        for (int i = 0; i < 1_000; i++)
        {
            await service.GetStatsAsync(Project, Day.AddDays(i));
        }
        long gets = GetCalls(redis) - before;

        Assert.Equal(1_000, service.CoreCalls); // every second read was a hit, local or Redis
        Assert.True(gets >= 900, $"Only {gets} of 1 000 reads went to Redis: the local layer held more than its 100 entries.");
    }

    // GETs the server has run, from INFO commandstats ("cmdstat_get:calls=N,...").
    private static long GetCalls(RedisServer redis)
    {
        string info = redis.Admin.Execute("INFO", "commandstats").ToString();
        string? line = info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("cmdstat_get:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private RedisCacheStore NewInstance(RedisServer redis) => new(new RedisCacheStoreOptions
    {
        Configuration = redis.Configuration,
        TimeProvider = _time,
        Logger = _log,
        Backoff = Backoff,
        OperationTimeout = TimeSpan.FromSeconds(2),
        LocalCache = new LocalCacheOptions { Ttl = TimeSpan.FromSeconds(10) },
    });
}
