using BenchmarkDotNet.Attributes;

namespace ResultCache.Benchmarks;

/// <summary>The contenders of the large-value scenarios, each a method, and the sizes of result they run on.</summary>
public abstract class LargeValueBenchmarks
{
    protected PayloadContenders Contenders { get; private set; } = null!;

    [Params(100, 10_000, 100_000, 1_000_000)]
    public int Size { get; set; }

    protected abstract int NextPage();

    [GlobalSetup]
    public async Task StartAsync()
    {
        Contenders = await PayloadContenders.StartAsync();
        await WarmAsync();
    }

    /// <summary>Fills what the hits read, and connects every contender.</summary>
    protected virtual async Task WarmAsync()
    {
        await HandWritten_StackExchangeRedis();
        await DistributedCache();
        await FusionCache();
        await HybridCache();
        await ResultCache();
        await ResultCache_Uncompressed();
    }

    [GlobalCleanup]
    public ValueTask StopAsync() => Contenders.DisposeAsync();

    [Benchmark(Baseline = true)]
    public Task<Catalog> HandWritten_StackExchangeRedis() => Contenders.HandWritten(Size, NextPage());

    [Benchmark]
    public Task<Catalog> DistributedCache() => Contenders.DistributedCache(Size, NextPage());

    [Benchmark]
    public ValueTask<Catalog> FusionCache() => Contenders.FusionCache(Size, NextPage());

    [Benchmark]
    public ValueTask<Catalog> HybridCache() => Contenders.HybridCache(Size, NextPage());

    [Benchmark]
    public Task<Catalog> ResultCache() => Contenders.ResultCache(Size, NextPage());

    [Benchmark]
    public Task<Catalog> ResultCache_Uncompressed() => Contenders.ResultCache_Uncompressed(Size, NextPage());
}

/// <summary>Scenario 8b: a hit on a large result, read from Redis on loopback.</summary>
[MemoryDiagnoser]
public class LargeHitBenchmarks : LargeValueBenchmarks
{
    protected override int NextPage() => 0;
}

/// <summary>Scenario 8c: a miss on a large result: GET (miss), compute (a ready value), serialize, SET. A new key each call.</summary>
[MemoryDiagnoser]
public class LargeMissBenchmarks : LargeValueBenchmarks
{
    private int _page;

    protected override int NextPage() => Interlocked.Increment(ref _page);
}
