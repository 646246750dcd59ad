using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 5: the miss path against Redis: GET (miss), compute, SET. Every call uses a new key.</summary>
[MemoryDiagnoser]
public class MissBenchmarks
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private const string RegionName = "eu-west";

    private RedisServer _redis = null!;
    private RedisCacheStore _store = null!;
    private CachedStats _resultCache = null!;
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _database = null!;
    private int _day;

    [GlobalSetup]
    public async Task Setup()
    {
        _redis = await RedisServer.StartAsync();
        _store = new RedisCacheStore(_redis.Configuration);
        _resultCache = new CachedStats(_store);
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        _database = _connection.GetDatabase();
        await _resultCache.GetAsync(Project, -1, RegionName);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _store.Dispose();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public async Task<Stats> HandWritten_StackExchangeRedis()
    {
        int day = Interlocked.Increment(ref _day);
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

    [Benchmark]
    public Task<Stats> ResultCache() => _resultCache.GetAsync(Project, Interlocked.Increment(ref _day), RegionName);
}
