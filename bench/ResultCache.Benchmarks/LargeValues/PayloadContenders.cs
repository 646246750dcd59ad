using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace ResultCache.Benchmarks;

/// <summary>
/// Every contender of the large-value benchmarks on one real redis-server, each under its own key prefix, all on the
/// Redis path: FusionCache skips its memory level and HybridCache disables its local cache, so every hit is a Redis
/// read. A result is catalog page <c>page</c> of about <c>size</c> bytes of JSON; a new page is a miss.
/// </summary>
public sealed class PayloadContenders : IAsyncDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    private readonly RedisServer _redis;
    private readonly ConnectionMultiplexer _connection;
    private readonly RedisCache _distributed;
    private readonly FusionCache _fusion;
    private readonly FusionCacheEntryOptions _fusionEntry = new() { Duration = Ttl, SkipMemoryCacheRead = true, SkipMemoryCacheWrite = true };
    private readonly ServiceProvider _hybridServices;
    private readonly HybridCache _hybrid;
    private readonly RedisCacheStore _store;
    private readonly RedisCacheStore _uncompressedStore;
    private readonly CachedCatalogs _resultCache;
    private readonly CachedCatalogs _resultCacheUncompressed;

    private PayloadContenders(RedisServer redis, ConnectionMultiplexer connection)
    {
        _redis = redis;
        _connection = connection;
        _distributed = new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = "dist:" });
        _fusion = new FusionCache(new FusionCacheOptions { CacheKeyPrefix = "fusion:" });
        _fusion.SetupDistributedCache(new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration }), new FusionCacheSystemTextJsonSerializer());
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o => { o.Configuration = redis.Configuration; o.InstanceName = "hybrid:"; });
        // Its 1 MB default cap would refuse the largest result; raised so that every size is compared.
        services.AddHybridCache(o =>
        {
            o.MaximumPayloadBytes = 64 << 20;
            o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = Ttl, Flags = HybridCacheEntryFlags.DisableLocalCache };
        });
        _hybridServices = services.BuildServiceProvider();
        _hybrid = _hybridServices.GetRequiredService<HybridCache>();
        _store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = redis.Configuration, OperationTimeout = TimeSpan.FromSeconds(5) });
        _uncompressedStore = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration, KeyPrefix = "rcu:", CompressAbove = null, OperationTimeout = TimeSpan.FromSeconds(5),
        });
        _resultCache = new CachedCatalogs(_store);
        _resultCacheUncompressed = new CachedCatalogs(_uncompressedStore);
    }

    public RedisServer Redis => _redis;

    /// <summary>Starts a redis-server that evicts at 1 GB, so that miss runs with a new key per call stay bounded.</summary>
    public static async Task<PayloadContenders> StartAsync()
    {
        RedisServer redis = await RedisServer.StartAsync("--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lru");
        return new PayloadContenders(redis, await ConnectionMultiplexer.ConnectAsync(redis.Configuration));
    }

    /// <summary>What a careful hand writes with StackExchange.Redis: GET, source-generated JSON, SET on a miss.</summary>
    public async Task<Catalog> HandWritten(int size, int page)
    {
        IDatabase database = _connection.GetDatabase();
        string key = $"hw:{size}:{page}";
        RedisValue cached = await database.StringGetAsync(key);
        if (!cached.IsNull)
        {
            return JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)cached).Span, PayloadJson.Default.Catalog)!;
        }
        Catalog catalog = Payloads.Of(size);
        await database.StringSetAsync(key, JsonSerializer.SerializeToUtf8Bytes(catalog, PayloadJson.Default.Catalog), Ttl);
        return catalog;
    }

    public async Task<Catalog> DistributedCache(int size, int page)
    {
        string key = $"{size}:{page}";
        byte[]? cached = await _distributed.GetAsync(key);
        if (cached is not null)
        {
            return JsonSerializer.Deserialize(cached, PayloadJson.Default.Catalog)!;
        }
        Catalog catalog = Payloads.Of(size);
        await _distributed.SetAsync(key, JsonSerializer.SerializeToUtf8Bytes(catalog, PayloadJson.Default.Catalog),
            new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = Ttl });
        return catalog;
    }

    public ValueTask<Catalog> FusionCache(int size, int page) =>
        _fusion.GetOrSetAsync<Catalog>($"{size}:{page}", (_, _) => Task.FromResult(Payloads.Of(size)), _fusionEntry);

    public ValueTask<Catalog> HybridCache(int size, int page) =>
        _hybrid.GetOrCreateAsync($"{size}:{page}", size, static (size, _) => ValueTask.FromResult(Payloads.Of(size)));

    public Task<Catalog> ResultCache(int size, int page) => _resultCache.GetAsync(size, page);

    public Task<Catalog> ResultCache_Uncompressed(int size, int page) => _resultCacheUncompressed.GetAsync(size, page);

    public async ValueTask DisposeAsync()
    {
        _store.Dispose();
        _uncompressedStore.Dispose();
        _fusion.Dispose();
        _distributed.Dispose();
        await _hybridServices.DisposeAsync();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }
}

/// <summary>ResultCache: the generated wrapper.</summary>
[CacheSerializer(typeof(PayloadJson))]
public sealed partial class CachedCatalogs(CacheStore store)
{
    private CacheStore CacheStore => store;

    [CacheResult(3600)]
    public partial Task<Catalog> GetAsync(int size, int page);

    private Task<Catalog> GetAsyncCore(int size, int page) => Task.FromResult(Payloads.Of(size));
}
