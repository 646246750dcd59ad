using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Hosting;

/// <summary>The health check follows the gate: Healthy, Degraded while closed, Healthy again after recovery.</summary>
[Trait(Engine.Name, Engine.Garnet)]
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
            OperationTimeout = TimeSpan.FromSeconds(5), // generous: a timeout under a loaded test run would be a fault of its own
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

    [Fact]
    public async Task AddHealthChecks_AddResultCache_registers_the_check_of_the_registered_store_with_its_tags()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var services = new ServiceCollection().AddLogging();
        services.AddResultCache(options => options.Redis.Configuration = redis.Configuration);
        services.AddHealthChecks().AddResultCache(tags: ["ready"]);
        await using ServiceProvider provider = services.BuildServiceProvider();
        HealthCheckService health = provider.GetRequiredService<HealthCheckService>();

        HealthReport ready = await EventuallyHealthyAsync(health, check => check.Tags.Contains("ready"));
        Assert.Equal(["resultcache"], ready.Entries.Keys);
        Assert.Equal("Redis is reachable.", ready.Entries["resultcache"].Description);
        Assert.Empty((await health.CheckHealthAsync(check => check.Tags.Contains("live"))).Entries); // untagged probes skip it

        redis.Kill();
        await provider.GetRequiredService<CacheStore>().InvalidateTagAsync("any"); // the fault closes the gate
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync()).Status);
    }

    [Fact]
    public async Task The_registration_without_AddResultCache_fails_the_host_start_and_says_what_to_add()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHealthChecks().AddResultCache();
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("call services.AddResultCache(...) as well as AddHealthChecks().AddResultCache()", error.Message);
    }

    private static async Task<HealthReport> EventuallyHealthyAsync(HealthCheckService health, Func<HealthCheckRegistration, bool> predicate)
    {
        HealthReport report = await health.CheckHealthAsync(predicate);
        for (int i = 0; i < 100 && report.Status != HealthStatus.Healthy; i++)
        {
            await Task.Delay(100); // the store's first connect, started when it was created
            report = await health.CheckHealthAsync(predicate);
        }
        Assert.Equal(HealthStatus.Healthy, report.Status);
        return report;
    }

    private static async Task<HealthStatus> CheckAsync(ResultCacheHealthCheck check) =>
        (await check.CheckHealthAsync(new HealthCheckContext())).Status;
}
