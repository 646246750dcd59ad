using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Tests.Hosting;

/// <summary>AddResultCache: configuration binding, start-up validation, per-container stores and connection ownership.</summary>
public sealed class DependencyInjectionTests
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly DateOnly Day = new(2026, 11, 26);

    [Fact]
    public async Task The_ResultCache_section_configures_a_redis_store_owned_by_the_container()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        IHost host = Build(new()
        {
            ["ResultCache:Redis:Configuration"] = redis.Configuration,
            ["ResultCache:Redis:KeyPrefix"] = "app1:",
            ["ResultCache:Redis:Backoff"] = "10s",
            ["ResultCache:Redis:FirstBackoff"] = "500ms",
            ["ResultCache:Redis:OperationTimeout"] = "00:00:01.500",
            ["ResultCache:Redis:LocalCache:Ttl"] = "5s",
            ["ResultCache:Redis:OutageCache:Ttl"] = "15s",
            ["ResultCache:Redis:OutageCache:MaxEntries"] = "2000",
            ["ResultCache:Redis:OutageCache:MaxBytes"] = "64MB",
            ["ResultCache:Redis:LocalCache:MaxEntryBytes"] = "512KB",
            ["ResultCache:Redis:CompressAbove"] = "16KB",
            ["ResultCache:Redis:MaxEntryBytes"] = "2MB",
            ["ResultCache:Redis:LeaseTime"] = "3s",
        });
        await host.StartAsync();

        Assert.IsType<RedisCacheStore>(host.Services.GetRequiredService<CacheStore>());
        ResultCacheOptions options = host.Services.GetRequiredService<IOptions<ResultCacheOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(10), options.Redis.Backoff);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Redis.FirstBackoff);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.Redis.OperationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Redis.LocalCache!.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Redis.OutageCache.Ttl);
        Assert.Equal(2000, options.Redis.OutageCache.MaxEntries);
        Assert.Equal(64L << 20, options.Redis.OutageCache.MaxBytes);
        Assert.Equal(512L << 10, options.Redis.LocalCache.MaxEntryBytes);
        Assert.Equal(16 << 10, options.Redis.CompressAbove);
        Assert.Equal(2L << 20, options.Redis.MaxEntryBytes);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Redis.LeaseTime);
        var service = host.Services.GetRequiredService<StatsService>();
        await service.GetStatsAsync(Project, Day);
        Assert.StartsWith("app1:", Assert.Single(redis.Keys()));
        long connected = await redis.ConnectedClientsAsync();

        await host.StopAsync();
        host.Dispose(); // the container disposes the store, which closes its connection
        Assert.True(await Eventually.TrueAsync(async () => await redis.ConnectedClientsAsync() < connected, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void CompressAbove_off_stores_results_uncompressed()
    {
        using IHost host = Build(new() { ["ResultCache:Redis:Configuration"] = "127.0.0.1:6390", ["ResultCache:Redis:CompressAbove"] = "off" });

        Assert.Null(host.Services.GetRequiredService<IOptions<ResultCacheOptions>>().Value.Redis.CompressAbove);
    }

    [Fact]
    public async Task Without_redis_settings_the_embedded_store_is_registered()
    {
        using IHost host = Build(new() { ["ResultCache:Memory:MaxEntries"] = "500" });
        await host.StartAsync();

        Assert.IsType<MemoryCacheStore>(host.Services.GetRequiredService<CacheStore>());
        Assert.Equal(500, host.Services.GetRequiredService<IOptions<ResultCacheOptions>>().Value.Memory.MaxEntries);
    }

    [Theory]
    [InlineData("ResultCache:Redis:Backoff", "0s", "Backoff must be positive")]
    [InlineData("ResultCache:Redis:FirstBackoff", "0s", "FirstBackoff must be positive")]
    [InlineData("ResultCache:Redis:OperationTimeout", "-2s", "OperationTimeout must be positive")]
    [InlineData("ResultCache:Redis:Backoff", "soon", "ResultCache:Redis:Backoff = \"soon\" is not valid")]
    [InlineData("ResultCache:Redis:Backof", "30s", "ResultCache:Redis:Backof is not a ResultCache setting")]
    [InlineData("ResultCache:Redis:Configuration", "localhost:notaport", "names no endpoint")]
    [InlineData("ResultCache:Memory:MaxEntries", "0", "MaxEntries is 0; it must be at least 1")]
    [InlineData("ResultCache:Memory:MaxBytes", "lots", "ResultCache:Memory:MaxBytes = \"lots\" is not valid: write a size in bytes")]
    [InlineData("ResultCache:Memory:MaxBytes", "0", "MemoryCacheStoreOptions.MaxBytes must be positive")]
    [InlineData("ResultCache:Redis:OutageCache:MaxEntryBytes", "-1", "OutageCacheOptions.MaxEntryBytes must be positive")]
    [InlineData("ResultCache:Redis:OutageCache:Ttl", "-1s", "OutageCacheOptions.Ttl must be zero (off), positive (a cap), or left unset")]
    [InlineData("ResultCache:Redis:OutageCache:Tll", "30s", "ResultCache:Redis:OutageCache:Tll is not a ResultCache setting")]
    [InlineData("ResultCache:Redis:MaxEntryBytes", "0", "RedisCacheStoreOptions.MaxEntryBytes must be positive")]
    [InlineData("ResultCache:Redis:LeaseTime", "0s", "RedisCacheStoreOptions.LeaseTime must be positive")]
    [InlineData("ResultCache:Redis:CompressAbove", "-1", "RedisCacheStoreOptions.CompressAbove must be zero or more bytes, or null")]
    [InlineData("ResultCache:Redis:CompressAbove", "4GB", "ResultCache:Redis:CompressAbove = \"4GB\" is not valid: write a size in bytes such as \"4096\" or \"16KB\", or \"off\"")]
    public async Task A_bad_setting_fails_the_host_start_with_a_message_that_names_it(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (!key.EndsWith("Configuration", StringComparison.Ordinal) && key.Contains(":Redis:", StringComparison.Ordinal))
        {
            settings["ResultCache:Redis:Configuration"] = "127.0.0.1:6390";
        }
        using IHost host = Build(settings);

        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.True(failure.Message.Contains(message, StringComparison.Ordinal), failure.ToString());
    }

    [Fact]
    public async Task The_store_connects_when_the_host_starts_before_any_call()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        long before = await redis.ConnectedClientsAsync();
        using IHost host = Build(new() { ["ResultCache:Redis:Configuration"] = redis.Configuration });

        await host.StartAsync(); // nothing resolves the store or calls a cached method

        Assert.True(await Eventually.TrueAsync(async () => await redis.ConnectedClientsAsync() > before, TimeSpan.FromSeconds(5)),
            "The store did not connect at start-up.");
        await host.StopAsync();
    }

    [Fact]
    public async Task Two_hosts_in_one_process_keep_separate_stores()
    {
        using IHost first = Build(new());
        using IHost second = Build(new());
        await first.StartAsync();
        await second.StartAsync();
        var onFirst = first.Services.GetRequiredService<StatsService>();
        var onSecond = second.Services.GetRequiredService<StatsService>();

        await onFirst.GetStatsAsync(Project, Day);
        await onSecond.GetStatsAsync(Project, Day);
        await onFirst.GetStatsAsync(Project, Day);

        Assert.NotSame(first.Services.GetRequiredService<CacheStore>(), second.Services.GetRequiredService<CacheStore>());
        Assert.Equal(1, onFirst.CoreCalls);  // its second call hit its own store
        Assert.Equal(1, onSecond.CoreCalls); // the first host's entry was not visible here
    }

    [Fact]
    public async Task The_applications_registered_connection_is_used_and_left_open()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        ConnectionMultiplexer appConnection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        IHost host = Build(new() { ["ResultCache:UseRegisteredConnectionMultiplexer"] = "true" },
            services => services.AddSingleton<IConnectionMultiplexer>(appConnection));
        await host.StartAsync();

        var service = host.Services.GetRequiredService<StatsService>();
        await service.GetStatsAsync(Project, Day);
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(1, service.CoreCalls);
        Assert.Single(redis.Keys());

        ((IDisposable)host.Services.GetRequiredService<CacheStore>()).Dispose();
        Assert.True(appConnection.IsConnected); // the store never disposes a connection it does not own
        await host.StopAsync();
        host.Dispose();
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection>? more = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddResultCache(builder.Configuration);
        builder.Services.AddSingleton<StatsService>(); // receives the registered store through its constructor
        more?.Invoke(builder.Services);
        return builder.Build();
    }
}
