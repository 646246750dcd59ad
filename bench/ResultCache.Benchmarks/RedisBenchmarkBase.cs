using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Benchmarks;

/// <summary>A real redis-server on loopback, with ResultCache and the hand-written code both pointed at it.</summary>
public abstract class RedisBenchmarkBase
{
    protected static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    protected const string RegionName = "eu-west";

    private RedisServer _redis = null!;
    private RedisCacheStore _store = null!;
    private ConnectionMultiplexer _connection = null!;
    private readonly List<IDisposable> _disposables = [];

    protected string Configuration => _redis.Configuration;

    protected CachedStats ResultCacheStats { get; private set; } = null!;

    protected HandWrittenRedis HandWritten { get; private set; } = null!;

    protected async Task StartRedisAsync()
    {
        _redis = await RedisServer.StartAsync();
        _store = new RedisCacheStore(_redis.Configuration);
        ResultCacheStats = new CachedStats(_store);
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        HandWritten = new HandWrittenRedis(_connection.GetDatabase());
    }

    /// <summary>Disposes <paramref name="disposable"/> with the server, after the run.</summary>
    protected void OnCleanup(IDisposable disposable) => _disposables.Add(disposable);

    [BenchmarkDotNet.Attributes.GlobalCleanup]
    public async Task StopRedisAsync()
    {
        _disposables.ForEach(d => d.Dispose());
        _store.Dispose();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
