using System.Diagnostics;
using ResultCache.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ResultCache.Tests.Reliability;

/// <summary>
/// The incident that started this library: an idle connection silently dropped (k8s conntrack). The health
/// check must find it while idle, so the first request after it is not the one that pays the timeout.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait(Engine.Name, Engine.Garnet)]
public sealed class IdleBlackholeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_blackholed_idle_connection_is_found_before_a_request_needs_it()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using FaultProxy proxy = FaultProxy.Start(redis.Port);
        RedisCacheStoreOptions options = ScenarioRunner.Options(proxy.Configuration);
        options.HealthCheckInterval = TimeSpan.FromSeconds(1);
        options.OperationTimeout = TimeSpan.FromMilliseconds(500);
        using var store = new RedisCacheStore(options);
        var service = new ReliabilityService(store);
        await service.ReadAsync(1);
        Assert.False(await service.ReadAndTellIfCoreRanAsync(1));

        proxy.Blackhole();
        var idle = Stopwatch.StartNew();
        // No call is made: only the health check (or the client's keep-alive) can notice.
        bool found = await Eventually.TrueAsync(() => store.Status != RedisStatus.Available,
            options.HealthCheckInterval + options.OperationTimeout + TimeSpan.FromSeconds(3));
        idle.Stop();
        Assert.True(found, "The dead idle connection was not found without a request.");

        var call = Stopwatch.StartNew();
        bool coreRan = await service.ReadAndTellIfCoreRanAsync(1);
        call.Stop();
        Assert.True(coreRan); // the gate is closed: computed without Redis, and kept in process
        Assert.True(call.Elapsed < ScenarioRunner.SlowCall, $"The first call after the blackhole took {call.Elapsed}.");

        proxy.Pass();
        var recovery = Stopwatch.StartNew();
        // A Redis hit: the gate open (so in-process entries were dropped) and ...Core not run.
        Assert.True(await Eventually.TrueAsync(async () => store.Status == RedisStatus.Available && !await service.ReadAndTellIfCoreRanAsync(1),
            options.Backoff + TimeSpan.FromSeconds(1)),
            "Redis hits did not resume within the backoff and a second.");
        ReliabilityReport.Write(output,
            "| health check interval | found idle after | first call after | hits resumed after heal |\n|---:|---:|---:|---:|",
            $"| {options.HealthCheckInterval.TotalMilliseconds:0} ms | {idle.Elapsed.TotalMilliseconds:0} ms | {call.Elapsed.TotalMilliseconds:0} ms | {recovery.Elapsed.TotalMilliseconds:0} ms |");
    }
}
