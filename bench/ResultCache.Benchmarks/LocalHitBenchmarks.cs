using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace ResultCache.Benchmarks;

/// <summary>
/// Scenario 1b: a hit served by the Redis store's in-process layer (L1), against the same hit from the memory-only
/// store. Target: no slower. A real redis-server runs behind the layer.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LocalHitBenchmarks : RedisBenchmarkBase
{
    private const int Day = 20_416;
    private CachedStats _memoryOnly = null!;
    private CachedStats _local = null!;
    private RedisCacheStore _localStore = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        await StartRedisAsync();
        _memoryOnly = new CachedStats(new MemoryCacheStore());
        _localStore = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = Configuration,
            LocalCache = new LocalCacheOptions { Ttl = TimeSpan.FromHours(1) },
        });
        _local = new CachedStats(_localStore);
        OnCleanup(_localStore);
        foreach (CachedStats subject in new[] { _memoryOnly, _local })
        {
            subject.Get(Project, Day, RegionName);
            await subject.GetValueAsync(Project, Day, RegionName);
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("sync")]
    public Stats MemoryStore() => _memoryOnly.Get(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("sync")]
    public Stats RedisWithL1() => _local.Get(Project, Day, RegionName);

    [Benchmark(Baseline = true), BenchmarkCategory("async")]
    public ValueTask<Stats> MemoryStore_ValueTask() => _memoryOnly.GetValueAsync(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("async")]
    public ValueTask<Stats> RedisWithL1_ValueTask() => _local.GetValueAsync(Project, Day, RegionName);
}
