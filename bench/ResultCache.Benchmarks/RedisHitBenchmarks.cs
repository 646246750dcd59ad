using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 2: a hit served by Redis on loopback, no in-process layer.</summary>
[MemoryDiagnoser]
public class RedisHitBenchmarks
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private const int Day = 20_416;
    private const string RegionName = "eu-west";

    private RedisServer _redis = null!;
    private RedisCacheStore _store = null!;
    private CachedStats _resultCache = null!;
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _database = null!;
    private RedisCache _distributed = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _redis = await RedisServer.StartAsync();
        _store = new RedisCacheStore(_redis.Configuration);
        _resultCache = new CachedStats(_store);
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        _database = _connection.GetDatabase();
        _distributed = new RedisCache(new Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions { Configuration = _redis.Configuration });

        await _resultCache.GetAsync(Project, Day, RegionName);
        await HandWritten_StackExchangeRedis();
        await DistributedCache();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _store.Dispose();
        _distributed.Dispose();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>What a careful hand writes: GET, deserialize with the source-generated context, SET on a miss.</summary>
    [Benchmark(Baseline = true)]
    public async Task<Stats> HandWritten_StackExchangeRedis()
    {
        string key = $"stats:{Project}:{Day}:{RegionName}";
        RedisValue cached = await _database.StringGetAsync(key);
        if (!cached.IsNull)
        {
            return JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)cached).Span, BenchJson.Default.Stats)!;
        }
        Stats stats = Work.Compute(Project, Day, RegionName);
        await _database.StringSetAsync(key, JsonSerializer.SerializeToUtf8Bytes(stats, BenchJson.Default.Stats), TimeSpan.FromHours(1));
        return stats;
    }

    [Benchmark]
    public Task<Stats> ResultCache() => _resultCache.GetAsync(Project, Day, RegionName);

    [Benchmark]
    public ValueTask<Stats> ResultCache_ValueTask() => _resultCache.GetValueAsync(Project, Day, RegionName);

    [Benchmark]
    public async Task<Stats> DistributedCache()
    {
        string key = $"dist:{Project}:{Day}:{RegionName}"; // its own keys: IDistributedCache stores hashes, not strings
        byte[]? cached = await _distributed.GetAsync(key);
        if (cached is not null)
        {
            return JsonSerializer.Deserialize(cached, BenchJson.Default.Stats)!;
        }
        Stats stats = Work.Compute(Project, Day, RegionName);
        await _distributed.SetAsync(key, JsonSerializer.SerializeToUtf8Bytes(stats, BenchJson.Default.Stats),
            new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        return stats;
    }
}
