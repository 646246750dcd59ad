using System.Collections.Concurrent;
using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Castle.DynamicProxy;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 1: a cache hit served from process memory.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MemoryHitBenchmarks
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private const int Day = 20_416;
    private const string RegionName = "eu-west";

    private CachedStats _resultCache = null!;
    private HandWrittenMemory _handWritten = null!;
    private IStatsService _castle = null!;
    private HybridCache _hybrid = null!;
    private FusionCache _fusion = null!;
    private readonly ConcurrentDictionary<UInt128, Stats> _floor = new();

    [GlobalSetup]
    public async Task Setup()
    {
        _resultCache = new CachedStats(new MemoryCacheStore());
        var memory = new MemoryCache(new MemoryCacheOptions());
        _handWritten = new HandWrittenMemory(memory);
        _castle = new ProxyGenerator().CreateInterfaceProxyWithTarget<IStatsService>(new StatsService(), new MemoryCacheInterceptor(new MemoryCache(new MemoryCacheOptions())));
        var services = new ServiceCollection();
        services.AddHybridCache();
        _hybrid = services.BuildServiceProvider().GetRequiredService<HybridCache>();
        _fusion = new FusionCache(new FusionCacheOptions());

        // Warm every cache with the one entry the benchmarks hit.
        _resultCache.Get(Project, Day, RegionName);
        await _resultCache.GetValueAsync(Project, Day, RegionName);
        await _resultCache.GetAsync(Project, Day, RegionName);
        _handWritten.Get(Project, Day, RegionName);
        _castle.Get(Project, Day, RegionName);
        await Hybrid();
        Fusion();
        await FusionAsync();
        Floor();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("sync")]
    public Stats HandWritten_IMemoryCache() => _handWritten.Get(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("sync")]
    public Stats ResultCache() => _resultCache.Get(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("sync")]
    public Stats Fusion() => _fusion.GetOrSet($"stats:{Project}:{Day}:{RegionName}", _ => Work.Compute(Project, Day, RegionName), TimeSpan.FromHours(1));

    [Benchmark, BenchmarkCategory("sync")]
    public Stats CastleProxy() => _castle.Get(Project, Day, RegionName);

    /// <summary>The floor: XxHash128 over a stack buffer, then a dictionary keyed by the hash.</summary>
    [Benchmark, BenchmarkCategory("sync")]
    public Stats Floor()
    {
        Span<byte> key = stackalloc byte[64];
        Project.TryWriteBytes(key);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(key[16..], Day);
        int length = 20 + System.Text.Encoding.UTF8.GetBytes(RegionName, key[20..]);
        UInt128 hash = XxHash128.HashToUInt128(key[..length]);
        return _floor.TryGetValue(hash, out Stats? stats) ? stats : _floor.GetOrAdd(hash, Work.Compute(Project, Day, RegionName));
    }

    [Benchmark(Baseline = true), BenchmarkCategory("async")]
    public ValueTask<Stats> HandWritten_IMemoryCache_Async() => _handWritten.GetValueAsync(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("async")]
    public ValueTask<Stats> ResultCache_ValueTask() => _resultCache.GetValueAsync(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("async")]
    public Task<Stats> ResultCache_Task() => _resultCache.GetAsync(Project, Day, RegionName);

    [Benchmark, BenchmarkCategory("async")]
    public ValueTask<Stats> Hybrid() => _hybrid.GetOrCreateAsync(
        $"stats:{Project}:{Day}:{RegionName}", static _ => new ValueTask<Stats>(Work.Compute(Project, Day, RegionName)));

    [Benchmark, BenchmarkCategory("async")]
    public ValueTask<Stats> FusionAsync() => _fusion.GetOrSetAsync<Stats>(
        $"stats:{Project}:{Day}:{RegionName}", (_, _) => Task.FromResult(Work.Compute(Project, Day, RegionName)), TimeSpan.FromHours(1));
}
