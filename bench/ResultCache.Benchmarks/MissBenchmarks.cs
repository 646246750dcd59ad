using BenchmarkDotNet.Attributes;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 5: the miss path against Redis: GET (miss), compute, SET. Every call uses a new key.</summary>
[MemoryDiagnoser]
public class MissBenchmarks : RedisBenchmarkBase
{
    private int _day;

    [GlobalSetup]
    public async Task Setup()
    {
        await StartRedisAsync();
        await ResultCacheStats.GetAsync(Project, -1, RegionName);
    }

    [Benchmark(Baseline = true)]
    public Task<Stats> HandWritten_StackExchangeRedis() => HandWritten.GetAsync(Project, Interlocked.Increment(ref _day), RegionName);

    [Benchmark]
    public Task<Stats> ResultCache() => ResultCacheStats.GetAsync(Project, Interlocked.Increment(ref _day), RegionName);
}
