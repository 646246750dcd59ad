using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace ResultCache.Benchmarks.Batch;

/// <summary>
/// 100 product ids per call against a real redis-server, at 0, 90 and 100 % hits: the generated batch companion
/// against a loop of single calls, Task.WhenAll of them, FusionCache and HybridCache in a loop (their memory levels
/// off, so every hit is a Redis read, as ours is), and hand-written StackExchange.Redis with one MGET, one core call
/// for the misses and one pipelined batch of SETs. Each call asks for fresh ids where it should miss.
/// </summary>
[MemoryDiagnoser]
public class BatchBenchmarks
{
    public const int Size = 100;
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private RedisCacheStore _store = null!;
    private Products _products = null!;
    private FusionCache _fusion = null!;
    private readonly FusionCacheEntryOptions _fusionEntry = new() { Duration = Ttl, SkipMemoryCacheRead = true, SkipMemoryCacheWrite = true };
    private ServiceProvider _hybridServices = null!;
    private HybridCache _hybrid = null!;
    private int _fresh = 1_000_000;

    [Params(0, 90, 100)]
    public int HitPercent { get; set; }

    [GlobalSetup]
    public async Task StartAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        _store = new RedisCacheStore(_redis.Configuration);
        _products = new Products(_store);
        _fusion = new FusionCache(new FusionCacheOptions { CacheKeyPrefix = "fusion:" });
        _fusion.SetupDistributedCache(new RedisCache(new RedisCacheOptions { Configuration = _redis.Configuration }), new FusionCacheSystemTextJsonSerializer());
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o => { o.Configuration = _redis.Configuration; o.InstanceName = "hybrid:"; });
        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = Ttl, Flags = HybridCacheEntryFlags.DisableLocalCache });
        _hybridServices = services.BuildServiceProvider();
        _hybrid = _hybridServices.GetRequiredService<HybridCache>();
        // The ids every call hits: 0..99 are cached for every contender.
        int[] warm = Enumerable.Range(0, Size).ToArray();
        await ResultCache_Batch(warm);
        await HandWritten_Mget(warm);
        foreach (int id in warm)
        {
            await _fusion.GetOrSetAsync<Product>("p" + id, (_, _) => Task.FromResult(Database.Load(id)), _fusionEntry);
            await _hybrid.GetOrCreateAsync("p" + id, id, static (i, _) => new ValueTask<Product>(Database.Load(i)));
        }
    }

    [GlobalCleanup]
    public async Task StopAsync()
    {
        _store.Dispose();
        _fusion.Dispose();
        await _hybridServices.DisposeAsync();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    // HitPercent ids from the warm set, the rest never asked for before.
    private int[] Ids()
    {
        int hits = HitPercent * Size / 100;
        int first = Interlocked.Add(ref _fresh, Size - hits) - (Size - hits);
        return Enumerable.Range(0, hits).Concat(Enumerable.Range(first, Size - hits)).ToArray();
    }

    [Benchmark(Baseline = true)]
    public Task<IReadOnlyDictionary<int, Product>> ResultCache_ManyAsync() => ResultCache_Batch(Ids());

    [Benchmark]
    public async Task<int> ResultCache_Loop()
    {
        int found = 0;
        foreach (int id in Ids())
        {
            found += (await _products.GetProductAsync(id)).Id >= 0 ? 1 : 0;
        }
        return found;
    }

    [Benchmark]
    public async Task<int> ResultCache_WhenAll() => (await Task.WhenAll(Ids().Select(id => _products.GetProductAsync(id)))).Length;

    [Benchmark]
    public async Task<int> FusionCache_Loop()
    {
        int found = 0;
        foreach (int id in Ids())
        {
            found += (await _fusion.GetOrSetAsync<Product>("p" + id, (_, _) => Task.FromResult(Database.Load(id)), _fusionEntry)).Id >= 0 ? 1 : 0;
        }
        return found;
    }

    [Benchmark]
    public async Task<int> HybridCache_Loop()
    {
        int found = 0;
        foreach (int id in Ids())
        {
            found += (await _hybrid.GetOrCreateAsync("p" + id, id, static (i, _) => new ValueTask<Product>(Database.Load(i)))).Id >= 0 ? 1 : 0;
        }
        return found;
    }

    [Benchmark]
    public Task<Dictionary<int, Product>> HandWritten_Mget() => HandWritten_Mget(Ids());

    private Task<IReadOnlyDictionary<int, Product>> ResultCache_Batch(int[] ids) => _products.GetProductManyAsync(ids);

    // One MGET, one core call for the misses, their SETs in one pipelined batch.
    private async Task<Dictionary<int, Product>> HandWritten_Mget(int[] ids)
    {
        IDatabase database = _connection.GetDatabase();
        RedisValue[] values = await database.StringGetAsync(ids.Select(id => (RedisKey)("hw:" + id)).ToArray());
        var answer = new Dictionary<int, Product>(ids.Length);
        var missing = new List<int>();
        for (int i = 0; i < ids.Length; i++)
        {
            if (values[i].HasValue)
            {
                answer[ids[i]] = JsonSerializer.Deserialize(values[i]!.ToString(), BatchJson.Default.Product)!;
            }
            else
            {
                missing.Add(ids[i]);
            }
        }
        if (missing.Count > 0)
        {
            IReadOnlyDictionary<int, Product> loaded = Database.LoadMany(missing);
            IBatch batch = database.CreateBatch();
            var sets = loaded.Select(pair => batch.StringSetAsync("hw:" + pair.Key, JsonSerializer.Serialize(pair.Value, BatchJson.Default.Product), Ttl)).ToList();
            batch.Execute();
            await Task.WhenAll(sets);
            foreach ((int id, Product product) in loaded)
            {
                answer[id] = product;
            }
        }
        return answer;
    }

    /// <summary>Commands Redis processed and core calls made for one batch of each contender, at each hit ratio.</summary>
    public static async Task CountAsync()
    {
        Console.WriteLine("| hits | contender | Redis commands | core calls |");
        Console.WriteLine("|---|---|---|---|");
        foreach (int percent in new[] { 0, 90, 100 })
        {
            var run = new BatchBenchmarks { HitPercent = percent };
            await run.StartAsync();
            using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(run._redis.Configuration + ",allowAdmin=true");
            IServer server = admin.GetServer(admin.GetEndPoints()[0]);
            async Task Count(string name, Func<Task> call)
            {
                long commandsBefore = Commands(server), coreBefore = Database.Calls;
                await call();
                // INFO itself is one command.
                Console.WriteLine($"| {percent} % | {name} | {Commands(server) - commandsBefore - 1} | {Database.Calls - coreBefore} |");
            }
            await Count("ResultCache ManyAsync", run.ResultCache_ManyAsync);
            await Count("ResultCache loop", run.ResultCache_Loop);
            await Count("ResultCache WhenAll", run.ResultCache_WhenAll);
            await Count("FusionCache loop", run.FusionCache_Loop);
            await Count("HybridCache loop", run.HybridCache_Loop);
            await Count("hand-written MGET", run.HandWritten_Mget);
            await run.StopAsync();
        }
    }

    private static long Commands(IServer server) =>
        long.Parse(server.Info("stats").SelectMany(g => g).First(p => p.Key == "total_commands_processed").Value, System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record Product(int Id, string Name, decimal Price);

[System.Text.Json.Serialization.JsonSerializable(typeof(Product))]
public sealed partial class BatchJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>The "database": instant, counting its calls, so the table shows the cache's own cost.</summary>
public static class Database
{
    private static long s_calls;

    public static long Calls => Interlocked.Read(ref s_calls);

    public static Product Load(int id)
    {
        Interlocked.Increment(ref s_calls);
        return new Product(id, "Product " + id, id * 1.5m);
    }

    public static IReadOnlyDictionary<int, Product> LoadMany(IReadOnlyList<int> ids)
    {
        Interlocked.Increment(ref s_calls);
        return ids.ToDictionary(id => id, id => new Product(id, "Product " + id, id * 1.5m));
    }
}

[CacheSerializer(typeof(BatchJson))]
public sealed partial class Products(CacheStore store)
{
    private CacheStore CacheStore => store;

    [CacheResult(3600, BatchBy = nameof(id))]
    public partial Task<Product> GetProductAsync(int id);

    private Task<Product> GetProductAsyncCore(int id) => Task.FromResult(Database.Load(id));

    private Task<IReadOnlyDictionary<int, Product>> GetProductManyAsyncCore(IReadOnlyList<int> ids) => Task.FromResult(Database.LoadMany(ids));
}
