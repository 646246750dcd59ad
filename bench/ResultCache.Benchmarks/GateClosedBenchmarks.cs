using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 4: Redis unreachable, the gate closed: what a call costs over calling ...Core directly.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GateClosedBenchmarks
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private const int Day = 20_416;
    private const string RegionName = "eu-west";

    private RedisCacheStore _store = null!;
    private CachedStats _resultCache = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Port 1 on loopback refuses at once; a day of backoff keeps the gate closed for the whole run.
        _store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = "127.0.0.1:1", Backoff = TimeSpan.FromDays(1) });
        _resultCache = new CachedStats(_store);
        _resultCache.Get(Project, Day, RegionName);
        if (_store.Status != RedisStatus.Unavailable)
        {
            throw new InvalidOperationException("The gate should be closed.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark(Baseline = true), BenchmarkCategory("sync")]
    public Stats Core_Direct() => Work.Compute(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("sync")]
    public Stats ResultCache_GateClosed() => _resultCache.Get(Project, Day, RegionName);

    [Benchmark(Baseline = true), BenchmarkCategory("async")]
    public ValueTask<Stats> Core_Direct_ValueTask() => new(Work.Compute(Project, Day, RegionName));

    [Benchmark, BenchmarkCategory("async")]
    public ValueTask<Stats> ResultCache_GateClosed_ValueTask() => _resultCache.GetValueAsync(Project, Day, RegionName);
}
