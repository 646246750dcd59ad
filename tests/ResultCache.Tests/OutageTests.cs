using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>
/// The database never takes a stampede: single flight and in-process caching while Redis is cold, probing or down,
/// and nothing from the outage outlives it. Every test here ran ...Core once per caller before the layered runtime.
/// </summary>
[Trait(Engine.Name, Engine.Garnet)]
public sealed class OutageTests
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly DateOnly Day = new(2026, 11, 26);
    private static readonly TimeSpan Backoff = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly LogSink _log = new();

    [Fact]
    public async Task A_hundred_concurrent_cold_callers_with_redis_up_run_core_once_and_cache_in_redis()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis.Configuration); // its first connect has just started
        var service = new FlakyService(store) { Hold = new TaskCompletionSource() };

        Task<int>[] callers = Enumerable.Range(0, 100).Select(_ => service.GetAsync(7)).ToArray();
        Assert.All(callers, c => Assert.False(c.IsCompleted));
        service.Hold.SetResult();
        int[] results = await Task.WhenAll(callers);

        Assert.Equal(1, service.CoreCalls);
        Assert.All(results, r => Assert.Equal(results[0], r));
        Assert.Single(redis.Keys("rc:ResultCache.Tests.FlakyService.GetAsync:*")); // the cold start cached in Redis
    }

    [Fact]
    public async Task With_redis_unreachable_a_hundred_callers_of_one_key_run_core_once_and_over_ten_keys_ten_times()
    {
        using RedisCacheStore store = NewStore(Unreachable());
        var service = new FlakyService(store) { Hold = new TaskCompletionSource() };

        Task<int>[] oneKey = Enumerable.Range(0, 100).Select(_ => service.GetAsync(7)).ToArray();
        service.Hold.SetResult();
        await Task.WhenAll(oneKey);
        Assert.Equal(1, service.CoreCalls);
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        service.Hold = new TaskCompletionSource();
        Task<int>[] tenKeys = Enumerable.Range(0, 100).Select(i => service.GetAsync(100 + (i % 10))).ToArray();
        service.Hold.SetResult();
        await Task.WhenAll(tenKeys);
        Assert.Equal(1 + 10, service.CoreCalls);
        Assert.Equal(1, _log.Count(LogLevel.Warning)); // one warning for the outage, not one per call
    }

    [Fact]
    public async Task Concurrent_sync_callers_during_an_outage_share_one_run()
    {
        using RedisCacheStore store = NewStore(Unreachable());
        var service = new FlakyService(store) { Hold = new TaskCompletionSource() };

        Task<int>[] callers = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() => service.Get(3), TaskCreationOptions.LongRunning)).ToArray();
        // Without single flight every thread would be inside ...Core by now; give them a generous moment to get there.
        Assert.False(await Eventually.TrueAsync(() => service.CoreCalls > 1, TimeSpan.FromMilliseconds(500)));
        service.Hold.SetResult();
        await Task.WhenAll(callers);

        Assert.Equal(1, service.CoreCalls);
    }

    [Fact]
    public async Task During_an_outage_a_repeated_call_is_an_in_process_hit_that_touches_no_network()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis.Configuration);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        redis.Kill();
        Stats during = await service.GetStatsAsync(Project, Day.AddDays(1)); // the fault: computed, kept in process
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        for (int i = 0; i < 10; i++)
        {
            // A call that waited on any socket could not be complete yet.
            Task<Stats> call = service.GetStatsAsync(Project, Day.AddDays(1));
            Assert.True(call.IsCompletedSuccessfully, $"Call {i} waited during the outage.");
            Assert.Equal(during, await call);
        }
        Assert.Equal(2, service.CoreCalls);
    }

    [Fact]
    public async Task A_result_whose_write_finds_redis_dead_is_kept_for_the_outage_so_the_key_runs_core_once()
    {
        // The read reached Redis (a miss); Redis dies while ...Core runs, so the write is what finds it gone. On a
        // cluster this is a call in flight as its node dies.
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis.Configuration);
        var service = new StatsService(store) { DuringCore = () => { redis.Kill(); return Task.CompletedTask; } };

        Stats first = await service.GetStatsAsync(Project, Day);
        Assert.Equal(RedisStatus.Unavailable, store.Status); // the write closed the gate
        service.DuringCore = null;

        Assert.Equal(first, await service.GetStatsAsync(Project, Day));
        Assert.Equal(1, service.CoreCalls);
    }

    [Fact]
    public async Task After_recovery_the_outage_entries_are_gone_never_reached_redis_and_calls_hit_redis()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis.Configuration);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        redis.Kill();
        await service.GetStatsAsync(Project, Day.AddDays(1));
        await service.GetStatsAsync(Project, Day.AddDays(2));
        Assert.Equal(2, store.InProcessCount);

        await redis.RestartAsync();
        // The backoff's end starts the probe by itself. A call made now could race it: served in process while the probe
        // runs, or from Redis once it has finished, so the test makes none until the probe is done.
        _time.Advance(Backoff);
        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, ProbeLimit));
        Assert.Equal(0, store.InProcessCount);
        Assert.Empty(redis.Keys()); // the restarted server is empty, and nothing computed during the outage was written to it
        int calls = service.CoreCalls;

        await service.GetStatsAsync(Project, Day.AddDays(1)); // a Redis miss: computed afresh and stored in Redis
        await service.GetStatsAsync(Project, Day.AddDays(1)); // a Redis hit
        Assert.Equal(calls + 1, service.CoreCalls);
        Assert.Single(redis.Keys());
        Assert.Equal(0, store.InProcessCount);
    }

    [Fact]
    public async Task An_outage_entry_lives_the_method_ttl_however_long_the_gate_stays_closed()
    {
        using RedisCacheStore store = await UnavailableStoreAsync();
        var service = new FlakyService(store); // GetAsync: [CacheResult(60)]

        await service.GetAsync(1);
        for (int second = 0; second < 59; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1)); // probes at 1, 3, 7, 15, 31 s fail: the gate stays closed
            await service.GetAsync(1);
        }
        Assert.NotEqual(RedisStatus.Available, store.Status); // nothing listens: every probe failed
        Assert.Equal(1, service.CoreCalls); // one run for the whole outage within the method's TTL

        _time.Advance(TimeSpan.FromSeconds(2));
        await service.GetAsync(1);
        Assert.Equal(2, service.CoreCalls); // the method's TTL still bounds it
    }

    [Fact]
    public async Task An_outage_ttl_cap_shortens_the_method_ttl()
    {
        using RedisCacheStore store = await UnavailableStoreAsync(outageTtl: TimeSpan.FromSeconds(40), backoff: TimeSpan.FromSeconds(30)); // a cap above the backoff
        var service = new FlakyService(store); // GetAsync: [CacheResult(60)]

        await service.GetAsync(1);
        _time.Advance(TimeSpan.FromSeconds(39));
        await service.GetAsync(1);
        Assert.Equal(1, service.CoreCalls);

        _time.Advance(TimeSpan.FromSeconds(2));
        await service.GetAsync(1);
        Assert.Equal(2, service.CoreCalls);
    }

    [Fact]
    public async Task Outage_caching_turned_off_keeps_single_flight_but_keeps_nothing()
    {
        using RedisCacheStore store = NewStore(Unreachable(), outageTtl: TimeSpan.Zero);
        var service = new FlakyService(store) { Hold = new TaskCompletionSource() };

        Task<int>[] callers = Enumerable.Range(0, 20).Select(_ => service.GetAsync(5)).ToArray();
        service.Hold.SetResult();
        await Task.WhenAll(callers);
        Assert.Equal(1, service.CoreCalls);

        await service.GetAsync(5);
        Assert.Equal(2, service.CoreCalls);
        Assert.Equal(0, store.InProcessCount);
    }

    [Fact]
    public async Task Invalidations_during_an_outage_apply_to_its_entries_at_once()
    {
        using RedisCacheStore store = await UnavailableStoreAsync();
        var reports = new ProjectReports(store); // tagged "project:{projectId}" and "day:{day}"

        await reports.GetStatsAsync(Project, Day);
        await reports.GetStatsAsync(Project, Day);
        Assert.Equal(1, reports.CoreCalls);

        await store.InvalidateTagAsync($"project:{Project}");
        await reports.GetStatsAsync(Project, Day);
        Assert.Equal(2, reports.CoreCalls);

        await reports.InvalidateGetStatsAsync(Project, Day);
        await reports.GetStatsAsync(Project, Day);
        Assert.Equal(3, reports.CoreCalls);
    }

    [Fact]
    public async Task A_fail_safe_method_falls_back_to_an_outage_entry()
    {
        using RedisCacheStore store = await UnavailableStoreAsync();
        var service = new FlakyService(store); // GetWithFailSafeAsync: [CacheResult(60, FailSafeSeconds = 300)]
        int kept = await service.GetWithFailSafeAsync(4);

        _time.Advance(TimeSpan.FromSeconds(61)); // past the method's TTL, within the fail-safe window
        service.Failure = new InvalidOperationException("database down");

        Assert.Equal(kept, await service.GetWithFailSafeAsync(4));
        Assert.Equal(2, service.CoreCalls);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("fail-safe"));
    }

    private RedisCacheStore NewStore(string configuration, TimeSpan? outageTtl = null, TimeSpan? backoff = null)
    {
        var options = new RedisCacheStoreOptions
        {
            Configuration = configuration,
            TimeProvider = _time,
            Logger = _log,
            Backoff = backoff ?? Backoff,
            OperationTimeout = TimeSpan.FromSeconds(5), // generous: a timeout under a loaded test run would be a fault of its own
        };
        options.OutageCache.Ttl = outageTtl ?? options.OutageCache.Ttl;
        return new RedisCacheStore(options);
    }

    // A store whose first connect has already failed. A call made while that connect is still running (it can take
    // seconds on a loaded machine) is served in process but not kept, since the outage has not begun.
    private async Task<RedisCacheStore> UnavailableStoreAsync(TimeSpan? outageTtl = null, TimeSpan? backoff = null)
    {
        RedisCacheStore store = NewStore(Unreachable(), outageTtl, backoff);
        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Unavailable, TimeSpan.FromSeconds(10)));
        return store;
    }

    // A loopback port nothing listens on: connects are refused at once.
    private static string Unreachable() => $"127.0.0.1:{RedisServer.FreePort()}";
}
