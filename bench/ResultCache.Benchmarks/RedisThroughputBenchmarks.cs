using BenchmarkDotNet.Attributes;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 3: Redis hits from 64 concurrent callers over one multiplexed connection.</summary>
[MemoryDiagnoser]
public class RedisThroughputBenchmarks : RedisBenchmarkBase
{
    private const int Callers = 64;
    private const int CallsEach = 50;

    [GlobalSetup]
    public async Task Setup()
    {
        await StartRedisAsync();
        for (int caller = 0; caller < Callers; caller++)
        {
            await ResultCacheStats.GetAsync(Project, caller, RegionName);
            await HandWritten.GetAsync(Project, caller, RegionName);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Callers * CallsEach)]
    public Task HandWritten_StackExchangeRedis() => RunCallers(day => HandWritten.GetAsync(Project, day, RegionName));

    [Benchmark(OperationsPerInvoke = Callers * CallsEach)]
    public Task ResultCache() => RunCallers(day => ResultCacheStats.GetAsync(Project, day, RegionName));

    private static Task RunCallers(Func<int, Task<Stats>> call) =>
        Task.WhenAll(Enumerable.Range(0, Callers).Select(async caller =>
        {
            for (int i = 0; i < CallsEach; i++)
            {
                await call(caller);
            }
        }));
}
