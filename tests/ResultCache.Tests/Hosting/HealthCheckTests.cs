using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Hosting;

/// <summary>The health check follows the gate: Healthy, Degraded while closed, Healthy again after recovery.</summary>
public sealed class HealthCheckTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Healthy_when_reachable_degraded_while_the_gate_is_closed_and_healthy_after_recovery()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration,
            TimeProvider = _time,
            Backoff = TimeSpan.FromSeconds(30),
            OperationTimeout = TimeSpan.FromSeconds(1),
        });
        var check = new ResultCacheHealthCheck(store);
        var service = new StatsService(store);

        // A store nobody called yet: the check starts the connect itself.
        Assert.True(await Eventually.TrueAsync(async () => (await CheckAsync(check)) == HealthStatus.Healthy, TimeSpan.FromSeconds(10)));

        redis.Kill();
        await service.GetStatsAsync(Guid.NewGuid(), default); // the fault closes the gate
        Assert.Equal(HealthStatus.Degraded, await CheckAsync(check));

        await redis.RestartAsync();
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await Eventually.TrueAsync(async () => (await CheckAsync(check)) == HealthStatus.Healthy, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_embedded_store_is_healthy()
    {
        Assert.Equal(HealthStatus.Healthy, await CheckAsync(new ResultCacheHealthCheck(new MemoryCacheStore())));
    }

    private static async Task<HealthStatus> CheckAsync(ResultCacheHealthCheck check) =>
        (await check.CheckHealthAsync(new HealthCheckContext())).Status;
}
