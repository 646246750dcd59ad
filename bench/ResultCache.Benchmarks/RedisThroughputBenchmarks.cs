using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 3: Redis hits from 64 concurrent callers over one multiplexed connection.</summary>
[MemoryDiagnoser]
public class RedisThroughputBenchmarks
{
    private const int Callers = 64;
    private const int CallsEach = 50;
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private const string RegionName = "eu-west";

    private RedisServer _redis = null!;
    private RedisCacheStore _store = null!;
    private CachedStats _resultCache = null!;
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _database = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _redis = await RedisServer.StartAsync();
        _store = new RedisCacheStore(_redis.Configuration);
        _resultCache = new CachedStats(_store);
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        _database = _connection.GetDatabase();
        for (int caller = 0; caller < Callers; caller++)
        {
            await _resultCache.GetAsync(Project, caller, RegionName);
            await HandWrittenGet(caller);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _store.Dispose();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Callers * CallsEach)]
    public Task HandWritten_StackExchangeRedis() => RunCallers(HandWrittenGet);

    [Benchmark(OperationsPerInvoke = Callers * CallsEach)]
    public Task ResultCache() => RunCallers(day => _resultCache.GetAsync(Project, day, RegionName));

    private static Task RunCallers(Func<int, Task<Stats>> call) =>
        Task.WhenAll(Enumerable.Range(0, Callers).Select(async caller =>
        {
            for (int i = 0; i < CallsEach; i++)
            {
                await call(caller);
            }
        }));

    private async Task<Stats> HandWrittenGet(int day)
    {
        string key = $"stats:{Project}:{day}:{RegionName}";
        RedisValue cached = await _database.StringGetAsync(key);
        if (!cached.IsNull)
        {
            return JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)cached).Span, BenchJson.Default.Stats)!;
        }
        Stats stats = Work.Compute(Project, day, RegionName);
        await _database.StringSetAsync(key, JsonSerializer.SerializeToUtf8Bytes(stats, BenchJson.Default.Stats), TimeSpan.FromHours(1));
        return stats;
    }
}
