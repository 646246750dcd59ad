using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ResultCache.Tests.Reliability;

/// <summary>
/// With the default settings, caching comes back within seconds of Redis answering after a short fault, and a Redis
/// that stays down sees at most one probe per process per 30 s.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait(Engine.Name, Engine.Garnet)]
public sealed class RecoveryTests(ITestOutputHelper output)
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly DateOnly Day = new(2026, 12, 4);

    private readonly LogSink _log = new();

    [Fact]
    public async Task After_a_2_s_fault_redis_hits_resume_within_5_s_of_redis_answering()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = redis.Configuration, Logger = _log });
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);

        redis.Kill();
        var fault = Stopwatch.StartNew();
        await service.GetStatsAsync(Project, Day.AddDays(1)); // finds Redis gone: the gate closes
        Assert.NotEqual(RedisStatus.Available, store.Status);
        await Task.Delay(TimeSpan.FromSeconds(2) - fault.Elapsed); // the fault lasts 2 s in real time: Redis is really down
        await redis.RestartAsync();
        var back = Stopwatch.StartNew();

        // The first Redis hit: a value stored in Redis after the fault, read back without ...Core.
        bool hit = await Eventually.TrueAsync(async () =>
        {
            if (store.Status != RedisStatus.Available)
            {
                return false;
            }
            await service.GetStatsAsync(Project, Day.AddDays(2));
            int before = service.CoreCalls;
            await service.GetStatsAsync(Project, Day.AddDays(2));
            return service.CoreCalls == before && redis.Keys().Length > 0;
        }, TimeSpan.FromSeconds(10));

        output.WriteLine($"fault {fault.Elapsed.TotalSeconds - back.Elapsed.TotalSeconds:F1} s; first Redis hit {back.Elapsed.TotalMilliseconds:F0} ms after Redis answered");
        Assert.True(hit, "Redis hits did not resume within 10 s.");
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(5), $"The first Redis hit came {back.Elapsed.TotalSeconds:F1} s after Redis answered again.");
    }

    [Fact]
    public async Task A_5_minute_fault_costs_at_most_one_probe_per_30_s_and_no_caller_waits_for_one()
    {
        var time = new FakeTimeProvider();
        await using RedisServer redis = await RedisServer.StartAsync();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = redis.Configuration, Logger = _log, TimeProvider = time });
        var service = new StatsService(store);
        await service.GetStatsAsync(Project, Day);
        redis.Kill();
        await service.GetStatsAsync(Project, Day.AddDays(1));
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        // Five minutes in steps of a second; each probe that starts (a timer on this clock) is let finish before the next step.
        var probes = new List<int>();
        for (int second = 1; second <= 300; second++)
        {
            int failed = ProbesFailed();
            time.Advance(TimeSpan.FromSeconds(1)); // a probe that is due starts now, on its own thread
            bool probing = store.Status == RedisStatus.Probing;
            Assert.True(service.GetStatsAsync(Project, Day.AddDays(1)).IsCompletedSuccessfully, "A call waited while Redis was down.");
            if (probing)
            {
                Assert.True(await Eventually.TrueAsync(() => ProbesFailed() > failed && store.Status == RedisStatus.Unavailable, TimeSpan.FromSeconds(10)));
            }
            if (ProbesFailed() > failed)
            {
                probes.Add(second); // a refused connect can fail the probe before this thread sees it probing
            }
        }

        int[] gaps = [.. probes.Zip(probes.Skip(1), (a, b) => b - a)];
        output.WriteLine($"probes at (s): {string.Join(", ", probes)}");
        Assert.Equal([2, 4, 8, 16, 30], gaps.Take(5));                // 1 s, then doubling
        Assert.All(gaps.Skip(4), gap => Assert.Equal(30, gap));     // then one per 30 s
        Assert.InRange(probes.Count, 10, 14);

        await redis.RestartAsync();
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, TimeSpan.FromSeconds(10)), "The probe after the fault did not open the gate.");
    }

    private int ProbesFailed() => _log.Entries.Count(e => e.Message.Contains("probe failed", StringComparison.Ordinal));
}
