using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace ResultCache.Benchmarks;

/// <summary>
/// Scenario 4: Redis unreachable, the gate closed: what a call costs over calling ...Core directly. By default a
/// repeated call is answered by the outage layer in process; with outage caching off, every call runs ...Core under
/// single flight.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GateClosedBenchmarks
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private const int Day = 20_416;
    private const string RegionName = "eu-west";

    private RedisCacheStore _store = null!;
    private RedisCacheStore _storeWithoutOutageCache = null!;
    private CachedStats _resultCache = null!;
    private CachedStats _withoutOutageCache = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = Unreachable(outageTtl: TimeSpan.FromDays(1));
        _storeWithoutOutageCache = Unreachable(outageTtl: TimeSpan.Zero);
        _resultCache = new CachedStats(_store);
        _withoutOutageCache = new CachedStats(_storeWithoutOutageCache);
        _resultCache.Get(Project, Day, RegionName);
        _withoutOutageCache.Get(Project, Day, RegionName);
        if (_store.Status != RedisStatus.Unavailable || _storeWithoutOutageCache.Status != RedisStatus.Unavailable)
        {
            throw new InvalidOperationException("The gate should be closed.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _storeWithoutOutageCache.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("sync")]
    public Stats Core_Direct() => Work.Compute(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("sync")]
    public Stats ResultCache_GateClosed() => _resultCache.Get(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("sync")]
    public Stats ResultCache_GateClosed_NoOutageCache() => _withoutOutageCache.Get(Project, Day, RegionName);

    [Benchmark(Baseline = true), BenchmarkCategory("async")]
    public ValueTask<Stats> Core_Direct_ValueTask() => new(Work.Compute(Project, Day, RegionName));

    [Benchmark, BenchmarkCategory("async")]
    public ValueTask<Stats> ResultCache_GateClosed_ValueTask() => _resultCache.GetValueAsync(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("async")]
    public ValueTask<Stats> ResultCache_GateClosed_NoOutageCache_ValueTask() => _withoutOutageCache.GetValueAsync(Project, Day, RegionName);

    // Port 1 on loopback refuses at once; a day of backoff keeps the gate closed for the whole run.
    private static RedisCacheStore Unreachable(TimeSpan outageTtl)
    {
        var options = new RedisCacheStoreOptions { Configuration = "127.0.0.1:1", Backoff = TimeSpan.FromDays(1) };
        options.OutageCache.Ttl = outageTtl;
        return new RedisCacheStore(options);
    }
}
