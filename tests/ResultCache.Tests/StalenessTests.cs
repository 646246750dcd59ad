using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>
/// Callers never wait for ...Core once a value exists: refresh-ahead, soft and hard timeouts, and a TTL chosen by the
/// result, on both stores. The clock is fake; ...Core is held by a task the test releases.
/// </summary>
[Trait(Engine.Name, Engine.Garnet)]
public sealed class StalenessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _time = new();
    private readonly LogSink _log = new();

    public static TheoryData<string> StoreKinds => StoreUnderTest.Kinds;

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_hit_past_the_threshold_answers_at_once_and_refreshes_the_key_once_in_the_background(string kind)
    {
        using var metrics = new MetricRecorder();
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new StalenessService(under.Store);
        Assert.Equal(101, await service.RefreshingAsync(1)); // [CacheResult(10, RefreshAheadPercent = 80)]

        _time.Advance(TimeSpan.FromSeconds(7)); // 70 % of the TTL: a plain hit
        Assert.Equal(101, await service.RefreshingAsync(1));
        Assert.Equal(1, service.CoreCalls);

        _time.Advance(TimeSpan.FromSeconds(2)); // 90 %: due
        service.Hold = new TaskCompletionSource();
        // ...Core is held: a caller that waited for it would time out here.
        Assert.Equal(101, await service.RefreshingAsync(1).WaitAsync(Limit));
        Assert.True(await Eventually.TrueAsync(() => service.CoreCalls == 2, Limit), "No background refresh started.");

        // While the refresh runs, hits keep the current value and start no second refresh.
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(101, await service.RefreshingAsync(1).WaitAsync(Limit));
        }
        service.Hold.SetResult();
        Assert.True(await Eventually.TrueAsync(async () => await service.RefreshingAsync(1) == 102, Limit), "The refreshed value was never served.");
        Assert.Equal(2, service.CoreCalls);
        Assert.False(service.LastTokenCancelable, "The refresh ran ...Core with the caller's token.");

        // The refreshed entry has a fresh TTL: past the first entry's end it is still a hit.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(102, await service.RefreshingAsync(1));
        Assert.Equal(2, service.CoreCalls);
        Assert.True(await Eventually.TrueAsync(() => metrics.Sum("cache.refreshes", ("cache.method", "ResultCache.Tests.StalenessService.RefreshingAsync"), ("cache.refresh.outcome", "stored")) == 1, Limit));
    }

    [Fact]
    public async Task A_background_refresh_has_its_own_span_linked_to_the_request_whose_hit_started_it()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var requests = new System.Diagnostics.ActivitySource("StalenessTests.Requests");
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name is ResultCacheTelemetry.ActivitySourceName or "StalenessTests.Requests",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using StoreUnderTest under = await StoreUnderTest.StartAsync("memory", _time, _log);
        var service = new StalenessService(under.Store);
        await service.RefreshingAsync(7);
        _time.Advance(TimeSpan.FromSeconds(9));

        System.Diagnostics.ActivityContext request;
        using (System.Diagnostics.Activity span = requests.StartActivity("GET /orders")!)
        {
            request = span.Context;
            await service.RefreshingAsync(7);
        }

        Assert.True(await Eventually.TrueAsync(() => spans.Any(s => s.DisplayName == "cache refresh"), Limit), "No span for the refresh.");
        System.Diagnostics.Activity refresh = spans.Single(s => s.DisplayName == "cache refresh");
        Assert.Equal(default, refresh.ParentSpanId); // its own trace: the request has long returned
        Assert.Equal(request.SpanId, Assert.Single(refresh.Links).Context.SpanId);
        Assert.Equal("ResultCache.Tests.StalenessService.RefreshingAsync", refresh.GetTagItem("cache.method"));
        Assert.Equal("stored", refresh.GetTagItem("cache.refresh.outcome"));
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Sync_and_ValueTask_methods_refresh_ahead_on_the_thread_pool(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new StalenessService(under.Store);
        Assert.Equal(201, service.Refreshing(2));
        Assert.Equal(302, await service.RefreshingValueAsync(3));

        _time.Advance(TimeSpan.FromSeconds(9));
        service.Hold = new TaskCompletionSource();
        Assert.Equal(201, await Task.Run(() => service.Refreshing(2)).WaitAsync(Limit)); // answered while ...Core is held
        Assert.Equal(302, await service.RefreshingValueAsync(3).AsTask().WaitAsync(Limit));
        Assert.True(await Eventually.TrueAsync(() => service.CoreCalls == 4, Limit), "Not both keys were refreshed.");
        service.Hold.SetResult();
        Assert.True(await Eventually.TrueAsync(() => service.Refreshing(2) > 202 && service.Refreshing(2) < 300, Limit));
        Assert.True(await Eventually.TrueAsync(async () => await service.RefreshingValueAsync(3) > 302, Limit));
        Assert.Equal(4, service.CoreCalls);
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_failed_refresh_is_logged_and_counted_and_the_current_value_stays_until_its_TTL_ends(string kind)
    {
        using var metrics = new MetricRecorder();
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new StalenessService(under.Store);
        Assert.Equal(101, await service.RefreshingAsync(1));

        _time.Advance(TimeSpan.FromSeconds(9));
        service.Failure = new InvalidOperationException("database down");
        Assert.Equal(101, await service.RefreshingAsync(1));
        Assert.True(await Eventually.TrueAsync(() => _log.Entries.Any(e => e.Level == LogLevel.Warning && e.Message.Contains("background refresh of ResultCache.Tests.StalenessService.RefreshingAsync failed", StringComparison.Ordinal)), Limit),
            "The failed refresh was not logged.");
        Assert.True(await Eventually.TrueAsync(() => metrics.Sum("cache.refreshes", ("cache.method", "ResultCache.Tests.StalenessService.RefreshingAsync"), ("cache.refresh.outcome", "failed")) >= 1, Limit));
        Assert.Equal(101, await service.RefreshingAsync(1));

        // Past the TTL, no fail-safe: the caller runs ...Core and sees its failure, as without refresh-ahead.
        _time.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<InvalidOperationException>(() => service.RefreshingAsync(1));
        service.Failure = null;
        Assert.True(await service.RefreshingAsync(1) > 101);
    }

    [Fact]
    public async Task The_local_layer_and_the_outage_layer_refresh_ahead_too()
    {
        await using var redis = await RedisServer.StartAsync();
        using var layered = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration, TimeProvider = _time, Logger = _log, LocalCache = new LocalCacheOptions { Ttl = TimeSpan.FromSeconds(60) },
        });
        using var down = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = $"127.0.0.1:{RedisServer.FreePort()}", TimeProvider = _time, Logger = _log,
            FirstBackoff = TimeSpan.FromMinutes(10), Backoff = TimeSpan.FromMinutes(10), // no probe while the clock moves
        });
        var local = new StalenessService(layered);
        var outage = new StalenessService(down);
        Assert.Equal(101, await local.RefreshingAsync(1)); // kept in Redis and in the local layer
        Assert.Equal(201, await outage.RefreshingAsync(2)); // Redis unreachable: kept in the outage layer
        Assert.Equal(RedisStatus.Unavailable, down.Status);

        _time.Advance(TimeSpan.FromSeconds(9));
        local.Hold = new TaskCompletionSource();
        outage.Hold = new TaskCompletionSource();
        Assert.Equal(101, await local.RefreshingAsync(1).WaitAsync(Limit)); // a local hit, due: answered at once
        Assert.Equal(201, await outage.RefreshingAsync(2).WaitAsync(Limit)); // an outage-layer hit, due: answered at once
        Assert.True(await Eventually.TrueAsync(() => local.CoreCalls == 2 && outage.CoreCalls == 2, Limit), "A layer did not refresh.");
        local.Hold.SetResult();
        outage.Hold.SetResult();
        Assert.True(await Eventually.TrueAsync(async () => await local.RefreshingAsync(1) == 102, Limit));
        Assert.True(await Eventually.TrueAsync(async () => await outage.RefreshingAsync(2) == 202, Limit));
    }

    [Fact]
    public async Task A_fleet_refreshes_a_key_once_with_the_lease()
    {
        await using var redis = await RedisServer.StartAsync();
        var counter = new StalenessService.Counter();
        var instances = new List<(RedisCacheStore Store, StalenessService Service)>();
        for (int i = 0; i < 4; i++)
        {
            var store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = redis.Configuration, TimeProvider = _time, Logger = _log });
            instances.Add((store, new StalenessService(store, counter)));
        }
        try
        {
            Assert.Equal(1, await instances[0].Service.RefreshingOnceAsync(0)); // SingleFlightAcrossInstances, RefreshAheadPercent = 80
            _time.Advance(TimeSpan.FromSeconds(9));
            foreach ((_, StalenessService service) in instances)
            {
                service.Hold = new TaskCompletionSource();
            }
            int[] answers = await Task.WhenAll(instances.Select(i => i.Service.RefreshingOnceAsync(0)));
            Assert.All(answers, a => Assert.Equal(1, a));
            Assert.True(await Eventually.TrueAsync(() => counter.Calls == 2, Limit));
            foreach ((_, StalenessService service) in instances)
            {
                service.Hold!.SetResult();
            }
            // The other instances' refreshes wait on the lease, polling on the (fake) clock; then they read its value.
            Assert.True(await AdvanceUntilAsync(() => instances.All(i => i.Service.RefreshingOnceAsync(0).Result == 2)), "An instance never read the refreshed value.");
            Assert.Equal(2, counter.Calls); // one refresh for the fleet, not one per instance
        }
        finally
        {
            foreach ((RedisCacheStore store, _) in instances)
            {
                store.Dispose();
            }
        }
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Past_the_soft_timeout_callers_get_the_expired_value_and_Core_still_stores_its_result(string kind)
    {
        using var metrics = new MetricRecorder();
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new StalenessService(under.Store);
        Assert.Equal(101, await service.SoftAsync(1)); // [CacheResult(10, FailSafeSeconds = 600, SoftTimeoutMilliseconds = 50)]
        Assert.Equal(202, service.Soft(2));

        _time.Advance(TimeSpan.FromSeconds(11)); // expired, inside the fail-safe window
        service.Hold = new TaskCompletionSource();
        Task<int> leader = service.SoftAsync(1);
        Task<int> sync = Task.Run(() => service.Soft(2));
        Assert.True(await Eventually.TrueAsync(() => service.CoreCalls == 4, Limit));
        Task<int> joiner = service.SoftAsync(1);
        Assert.True(await AdvanceUntilAsync(() => leader.IsCompleted && joiner.IsCompleted && sync.IsCompleted), "A caller waited past the soft timeout.");
        Assert.Equal(101, await leader);
        Assert.Equal(101, await joiner);
        Assert.Equal(202, await sync);
        Assert.Equal(101, await service.SoftAsync(1)); // ...Core still running: answered at once, not run again
        Assert.Equal(4, service.CoreCalls);
        Assert.Equal(1, metrics.Sum("cache.timeouts", ("cache.method", "ResultCache.Tests.StalenessService.SoftAsync"), ("cache.timeout.kind", "soft")));
        Assert.Equal(1, metrics.Sum("cache.timeouts", ("cache.method", "ResultCache.Tests.StalenessService.Soft"), ("cache.timeout.kind", "soft")));

        service.Hold.SetResult();
        Assert.True(await Eventually.TrueAsync(async () => await service.SoftAsync(1) is 103 or 104, Limit), "The late result was not stored.");
        Assert.True(await Eventually.TrueAsync(() => service.Soft(2) is 203 or 204, Limit));
        Assert.Equal(4, service.CoreCalls);
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Past_the_hard_timeout_with_no_expired_value_the_caller_gets_a_TimeoutException_and_Core_still_stores(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new StalenessService(under.Store);
        service.Hold = new TaskCompletionSource();

        Task<int> call = service.HardAsync(1).AsTask(); // [CacheResult(10, HardTimeoutMilliseconds = 500)]
        Task<int> sync = Task.Run(() => service.Hard(2));
        Assert.True(await Eventually.TrueAsync(() => service.CoreCalls == 2, Limit));
        Assert.True(await AdvanceUntilAsync(() => call.IsCompleted && sync.IsCompleted), "A caller waited past the hard timeout.");
        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("ResultCache.Tests.StalenessService.HardAsync", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("HardTimeoutMilliseconds of 500 ms", timeout.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TimeoutException>(() => sync);

        service.Hold.SetResult();
        // Until ...Core ends, callers of the key get the same answer at once; then its stored result.
        Assert.True(await Eventually.TrueAsync(async () => await Answer(() => service.HardAsync(1).AsTask()) is 101 or 102, Limit), "The late result was not stored.");
        Assert.True(await Eventually.TrueAsync(async () => await Answer(() => Task.FromResult(service.Hard(2))) is 201 or 202, Limit));
        Assert.Equal(2, service.CoreCalls);
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_TTL_chosen_by_the_result_is_kept_and_zero_keeps_nothing(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new StalenessService(under.Store);

        Assert.Equal(-99, await service.ChosenAsync(-1)); // negative: TimeSpan.Zero, not cached
        Assert.Equal(-98, await service.ChosenAsync(-1));
        Assert.Equal(1003, await service.ChosenAsync(10)); // 5 s
        Assert.Equal(104, await service.ChosenAsync(1)); // 100 s
        Assert.Equal(505, service.Chosen(5)); // the instance method that takes the arguments: 5 s
        Assert.Equal(-94, service.Chosen(-1)); // id < 0: not cached
        Assert.Equal(-93, service.Chosen(-1));

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1003, await service.ChosenAsync(10));
        Assert.Equal(505, service.Chosen(5));
        _time.Advance(TimeSpan.FromSeconds(2)); // past 5 s, well within 100 s
        Assert.Equal(104, await service.ChosenAsync(1));
        Assert.Equal(1008, await service.ChosenAsync(10));
        Assert.Equal(509, service.Chosen(5));
    }

    private static async Task<int?> Answer(Func<Task<int>> call)
    {
        try
        {
            return await call();
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    // Moves the fake clock in small steps until the condition holds: a timeout's timer is registered just after
    // ...Core starts, so one step could come before it.
    private async Task<bool> AdvanceUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 2000; i++)
        {
            if (condition())
            {
                return true;
            }
            _time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(1);
        }
        return condition();
    }
}
