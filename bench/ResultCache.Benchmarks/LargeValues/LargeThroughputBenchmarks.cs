using BenchmarkDotNet.Attributes;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 8d: hits on large results from 64 concurrent callers, each reading its own entry.</summary>
[MemoryDiagnoser]
public class LargeThroughputBenchmarks
{
    private const int Callers = 64;
    private const int CallsEach = 4;

    private PayloadContenders _contenders = null!;

    [Params(100, 10_000, 100_000, 1_000_000)]
    public int Size { get; set; }

    [GlobalSetup]
    public async Task StartAsync()
    {
        _contenders = await PayloadContenders.StartAsync();
        for (int page = 0; page < Callers; page++)
        {
            await _contenders.HandWritten(Size, page);
            await _contenders.DistributedCache(Size, page);
            await _contenders.FusionCache(Size, page);
            await _contenders.HybridCache(Size, page);
            await _contenders.ResultCache(Size, page);
            await _contenders.ResultCache_Uncompressed(Size, page);
        }
    }

    [GlobalCleanup]
    public ValueTask StopAsync() => _contenders.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = Callers * CallsEach)]
    public Task HandWritten_StackExchangeRedis() => Run(page => _contenders.HandWritten(Size, page));

    [Benchmark(OperationsPerInvoke = Callers * CallsEach)]
    public Task DistributedCache() => Run(page => _contenders.DistributedCache(Size, page));

    [Benchmark(OperationsPerInvoke = Callers * CallsEach)]
    public Task FusionCache() => Run(page => _contenders.FusionCache(Size, page).AsTask());

    [Benchmark(OperationsPerInvoke = Callers * CallsEach)]
    public Task HybridCache() => Run(page => _contenders.HybridCache(Size, page).AsTask());

    [Benchmark(OperationsPerInvoke = Callers * CallsEach)]
    public Task ResultCache() => Run(page => _contenders.ResultCache(Size, page));

    [Benchmark(OperationsPerInvoke = Callers * CallsEach)]
    public Task ResultCache_Uncompressed() => Run(page => _contenders.ResultCache_Uncompressed(Size, page));

    private static Task Run(Func<int, Task<Catalog>> call) =>
        Task.WhenAll(Enumerable.Range(0, Callers).Select(async page =>
        {
            for (int i = 0; i < CallsEach; i++)
            {
                await call(page);
            }
        }));
}
