using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 2: a hit served by Redis on loopback, no in-process layer.</summary>
[MemoryDiagnoser]
public class RedisHitBenchmarks : RedisBenchmarkBase
{
    private const int Day = 20_416;
    private RedisCache _distributed = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        await StartRedisAsync();
        _distributed = new RedisCache(new RedisCacheOptions { Configuration = Configuration });
        await ResultCache();
        await HandWritten_StackExchangeRedis();
        await DistributedCache();
    }

    [Benchmark(Baseline = true)]
    public Task<Stats> HandWritten_StackExchangeRedis() => HandWritten.GetAsync(Project, Day, RegionName);

    [Benchmark]
    public Task<Stats> ResultCache() => ResultCacheStats.GetAsync(Project, Day, RegionName);

    [Benchmark]
    public ValueTask<Stats> ResultCache_ValueTask() => ResultCacheStats.GetValueAsync(Project, Day, RegionName);

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
