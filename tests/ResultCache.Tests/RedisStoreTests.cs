using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Tests;

/// <summary>The Redis behaviour table, row by row, against a real redis-server per test.</summary>
public sealed class RedisStoreTests
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly DateOnly Day = new(2026, 11, 26);
    // Generous, so a slow reply on a loaded test machine is not a fault of its own; the fault tests use the short one.
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly LogSink _log = new();

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Miss_runs_core_and_stores_with_the_ttl_then_hit_returns_the_stored_value()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);

        Stats first = await service.GetStatsAsync(Project, Day);
        Stats second = await service.GetStatsAsync(Project, Day);

        Assert.Equal(new Stats(Project, Day, 260), first);
        Assert.Equal(first, second);
        Assert.Equal(1, service.CoreCalls);
        string key = Assert.Single(redis.Keys());
        Assert.StartsWith("rc:ResultCache.Tests.StatsService.GetStatsAsync:", key);
        TimeSpan? ttl = await redis.Admin.KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(290), TimeSpan.FromSeconds(300));
        Assert.Equal(RedisStatus.Available, store.Status);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Entry_expires_in_redis_after_its_ttl()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);

        await service.GetShortLivedAsync(Project); // [CacheResult(1)]
        await service.GetShortLivedAsync(Project);
        Assert.Equal(1, service.CoreCalls);

        // Redis keeps its own clock, which a TimeProvider cannot move: wait for the server to expire the key.
        var deadline = Stopwatch.StartNew();
        while (redis.Keys().Length > 0 && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50);
        }
        Assert.Empty(redis.Keys());

        await service.GetShortLivedAsync(Project);
        Assert.Equal(2, service.CoreCalls);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Overloads_and_arguments_get_distinct_keys()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);

        Assert.Equal(3, service.Add(1, 2));
        Assert.Equal(1_003, service.Add(1L, 2L));
        Assert.Equal(4, service.Add(2, 2));
        Assert.Equal(3, service.Add(1, 2));
        Assert.Equal(1_003, service.Add(1L, 2L));

        Assert.Equal(3, service.CoreCalls);
        Assert.Equal(3, redis.Keys().Length);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Redis_stopped_core_still_answers_and_while_the_gate_is_closed_no_call_touches_the_network()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis, operationTimeout: ShortTimeout);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        redis.Kill();
        var firstCall = Stopwatch.StartNew();
        Stats answered = await service.GetStatsAsync(Project, Day.AddDays(1));
        firstCall.Stop();

        Assert.Equal(new Stats(Project, Day.AddDays(1), 270), answered);
        Assert.True(firstCall.Elapsed < ShortTimeout + TimeSpan.FromSeconds(1), $"The faulting call took {firstCall.Elapsed}.");
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        for (int i = 0; i < 20; i++)
        {
            // ...Core completes synchronously, so a call that waited on any socket could not be complete yet.
            Task<Stats> call = service.GetStatsAsync(Project, Day.AddDays(i));
            Assert.True(call.IsCompletedSuccessfully, $"Call {i} waited while the gate was closed.");
            Assert.Equal(Day.AddDays(i), (await call).Day);
        }
        Assert.Equal(21, service.CoreCalls); // the faulting call's result (Day+1) was kept in process: one call was a hit
        Assert.Equal(1, _log.Count(LogLevel.Warning)); // one warning per transition, not per call
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Redis_back_caching_resumes_after_the_backoff_instead_of_staying_off_for_good()
    {
        // The Python original set _redis_available = False forever after one error. This must never happen again.
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        redis.Kill();
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(RedisStatus.Unavailable, store.Status);
        await redis.RestartAsync();

        // Redis is back, but the backoff is not over: calls still bypass it.
        _time.Advance(Backoff - TimeSpan.FromSeconds(1));
        Assert.True(service.GetStatsAsync(Project, Day).IsCompletedSuccessfully);
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        _time.Advance(TimeSpan.FromSeconds(1)); // the backoff's end starts the probe, which reconnects off every caller's path
        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, ProbeLimit));
        await service.GetStatsAsync(Project, Day); // a miss that stores again
        int callsBefore = service.CoreCalls;

        await service.GetStatsAsync(Project, Day);
        Assert.Equal(callsBefore, service.CoreCalls); // a Redis hit
        Assert.Single(redis.Keys());
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("available"));
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Status_follows_the_gate()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(RedisStatus.Available, store.Status);

        redis.Kill();
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        Assert.Equal(RedisStatus.Unavailable, store.Status); // reading it changes nothing
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task At_reopen_exactly_one_caller_probes_while_the_others_bypass()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis, connectTimeout: TimeSpan.FromSeconds(10));
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        redis.Kill();
        await service.GetStatsAsync(Project, Day);

        // Restart, then hang the server: the probe's connect stays in flight until we resume it.
        await redis.RestartAsync();
        redis.Pause();
        _time.Advance(Backoff);
        int before = service.CoreCalls;
        Assert.True(service.GetStatsAsync(Project, Day).IsCompletedSuccessfully, "The caller that claimed the probe waited for it.");
        Assert.Equal(RedisStatus.Probing, store.Status);

        for (int i = 0; i < 50; i++)
        {
            Assert.True(service.GetStatsAsync(Project, Day.AddDays(i)).IsCompletedSuccessfully, $"Caller {i} did not bypass during the probe.");
        }
        // (Project, Day) is still the outage entry from before the backoff: it lives the method's TTL, so only the
        // other 49 days run ...Core.
        Assert.Equal(before + 49, service.CoreCalls);
        Assert.Equal(RedisStatus.Probing, store.Status); // still the one probe, still in flight

        redis.Resume();
        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, ProbeLimit));

        // What the probe's window kept in process went as the gate opened: the key is computed again, then stored in Redis.
        before = service.CoreCalls;
        await service.GetStatsAsync(Project, Day.AddDays(7));
        await service.GetStatsAsync(Project, Day.AddDays(7));
        Assert.Equal(before + 1, service.CoreCalls);
        Assert.Equal(0, store.InProcessCount);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_hung_server_costs_one_timeout_then_the_gate_closes()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis, operationTimeout: ShortTimeout);
        var service = new StatsService(store);
        Assert.Equal(3, service.Add(1, 2));

        redis.Pause();
        var call = Stopwatch.StartNew();
        Assert.Equal(7, service.Add(3, 4)); // sync path: a timeout, no retry
        call.Stop();
        Assert.True(call.Elapsed < ShortTimeout + TimeSpan.FromSeconds(1), $"The call took {call.Elapsed}.");
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        var next = Stopwatch.StartNew();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(i + 1, service.Add(i, 1));
        }
        Assert.True(next.Elapsed < TimeSpan.FromSeconds(1), $"Calls with the gate closed took {next.Elapsed}.");
    }

    [Fact]
    public async Task Idle_connection_is_health_checked_so_a_dead_one_is_found_before_a_request_needs_it()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis, operationTimeout: ShortTimeout);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        // The server stops answering while the connection is idle (like a peer dropped by conntrack).
        redis.Pause();
        _time.Advance(TimeSpan.FromSeconds(15)); // idle past the interval: the health check PINGs

        var deadline = Stopwatch.StartNew();
        while (store.Status == RedisStatus.Available && deadline.Elapsed < ShortTimeout + TimeSpan.FromSeconds(3))
        {
            await Task.Delay(20);
        }
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        // The first request after the idle period does not pay for the dead connection.
        Assert.True(service.GetStatsAsync(Project, Day).IsCompletedSuccessfully);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_read_that_trips_the_gate_is_not_followed_by_a_write()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        redis.Kill();

        // While the miss runs ...Core, Redis comes back. The write re-fetches the connection, finds the gate
        // closed by the failed read, and writes nothing.
        service.DuringCore = redis.RestartAsync;
        await service.GetStatsAsync(Project, Day.AddDays(3));

        Assert.Equal(RedisStatus.Unavailable, store.Status);
        Assert.Empty(redis.Keys());
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_write_that_hits_a_dead_connection_closes_the_gate_and_the_caller_keeps_its_result()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        service.DuringCore = () =>
        {
            redis.Kill(); // dies between the read and the write
            return Task.CompletedTask;
        };
        Stats answered = await service.GetStatsAsync(Project, Day.AddDays(1));

        Assert.Equal(Day.AddDays(1), answered.Day);
        Assert.Equal(RedisStatus.Unavailable, store.Status);
        Assert.Equal(1, _log.Count(LogLevel.Warning));
    }

    [Fact]
    public async Task An_out_of_memory_error_on_the_write_is_logged_without_backoff()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        await redis.AdminServer.ConfigSetAsync("maxmemory-policy", "noeviction");
        await redis.AdminServer.ConfigSetAsync("maxmemory", "1"); // every write now fails with OOM

        Stats answered = await service.GetStatsAsync(Project, Day.AddDays(1));

        Assert.Equal(Day.AddDays(1), answered.Day);
        Assert.Equal(RedisStatus.Available, store.Status);
        Assert.Single(redis.Keys()); // only the entry from before
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("with an error"));
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(2, service.CoreCalls); // reads still hit
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_corrupt_value_is_a_miss_and_is_overwritten()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        string key = Assert.Single(redis.Keys());

        await redis.Admin.StringSetAsync(key, "{\"ProjectId\": not json");
        Stats answered = await service.GetStatsAsync(Project, Day);

        Assert.Equal(Day, answered.Day);
        Assert.Equal(2, service.CoreCalls);
        Assert.Equal(RedisStatus.Available, store.Status);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("could not be read"));
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(2, service.CoreCalls); // overwritten with a good value
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_server_error_is_a_logged_miss_without_backoff()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        string key = Assert.Single(redis.Keys());

        await redis.Admin.KeyDeleteAsync(key);
        await redis.Admin.ListLeftPushAsync(key, "wrong type"); // GET now answers WRONGTYPE
        await service.GetStatsAsync(Project, Day);

        Assert.Equal(2, service.CoreCalls);
        Assert.Equal(RedisStatus.Available, store.Status);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("with an error"));
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(2, service.CoreCalls); // SET replaced the list
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task ResetConnection_drops_the_connection_and_the_store_reconnects_by_itself()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        store.ResetConnection(); // a probe starts at once, with no call needed

        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, ProbeLimit));
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(1, service.CoreCalls); // a Redis hit through the new connection
        Assert.Contains(_log.Entries, e => e.Message.Contains("connection reset"));
        Assert.Equal(2, _log.Entries.Count(e => e.Level == LogLevel.Information && e.Message.Contains("is available")));
    }

    [Fact]
    public async Task A_reset_connection_is_disposed_once_in_flight_calls_had_their_timeout()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        long baseline = await redis.ConnectedClientsAsync();

        for (int i = 0; i < 3; i++)
        {
            store.ResetConnection();
            await service.GetStatsAsync(Project, Day); // starts the reconnect
            Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, ProbeLimit));
        }
        Assert.True(await redis.ConnectedClientsAsync() > baseline, "The old connections should still be open during their grace period.");

        // Disposal runs on the real clock, one operation timeout plus a second after the reset.
        var deadline = Stopwatch.StartNew();
        while (await redis.ConnectedClientsAsync() > baseline && deadline.Elapsed < OperationTimeout + TimeSpan.FromSeconds(5))
        {
            await Task.Delay(100);
        }
        Assert.Equal(baseline, await redis.ConnectedClientsAsync());
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Unreachable_redis_at_start_serves_from_process_and_warns_once()
    {
        int port;
        await using (RedisServer gone = await RedisServer.StartAsync())
        {
            port = gone.Port;
        }
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = $"127.0.0.1:{port}",
            TimeProvider = _time,
            Logger = _log,
        });
        var service = new StatsService(store);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(3, service.Add(1, 2));
        }
        Assert.Equal(1, service.CoreCalls); // computed once, then kept in process for the outage
        Assert.Equal(RedisStatus.Unavailable, store.Status);
        Assert.Equal(1, _log.Count(LogLevel.Warning));
    }

    private RedisCacheStore NewStore(RedisServer redis, TimeSpan? connectTimeout = null, TimeSpan? operationTimeout = null) => new(new RedisCacheStoreOptions
    {
        Configuration = redis.Configuration,
        TimeProvider = _time,
        Logger = _log,
        FirstBackoff = Backoff, // a fixed backoff: these tests pin how long the gate stays closed
        Backoff = Backoff,
        OperationTimeout = operationTimeout ?? OperationTimeout,
        ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(2),
    });
}
