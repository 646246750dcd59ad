using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using BitFaster.Caching;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace ResultCache.Benchmarks.Throughput;

/// <summary>
/// One cache behind <c>int Get(int id)</c>, whose work (<c>id * 2</c>) runs on a miss and is counted, so a run knows its
/// hit ratio. Every contender holds at most <c>capacity</c> entries for 600 s.
/// </summary>
public abstract class Contender
{
    // Counted per thread: a counter shared by the threads would be a contended line of the harness's own, on every miss.
    [ThreadStatic]
    private static long t_misses;

    public abstract string Name { get; }

    /// <summary>The misses the calling thread has counted so far.</summary>
    public static long ThreadMisses => t_misses;

    public abstract int Get(int id);

    protected int Compute(int id)
    {
        t_misses++;
        return id * 2;
    }

    /// <summary>Every contender by name, in the order of the tables (the floor first), made for a capacity.</summary>
    public static readonly (string Name, Func<int, Contender> Create)[] All =
    [
        ("floor", _ => new FloorContender()),
        ("ResultCache", capacity => new ResultCacheContender(capacity)),
        ("BitFaster ConcurrentLru", capacity => new BitFasterContender("BitFaster ConcurrentLru", new ConcurrentLru<int, int>(capacity))),
        ("BitFaster ConcurrentLfu", capacity => new BitFasterContender("BitFaster ConcurrentLfu", new ConcurrentLfu<int, int>(capacity))),
        ("IMemoryCache", capacity => new MemoryCacheContender(capacity)),
        ("HybridCache", capacity => new HybridContender(capacity)),
        ("FusionCache", capacity => new FusionContender(capacity)),
    ];
}

/// <summary>The floor: the key's bytes hashed as ResultCache hashes them, and an unbounded concurrent dictionary.</summary>
public sealed class FloorContender : Contender
{
    private const long Seed = 0x5eed;
    private readonly ConcurrentDictionary<UInt128, int> _values = new();

    public override string Name => "floor";

    public override int Get(int id)
    {
        UInt128 key = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in id)), Seed);
        if (_values.TryGetValue(key, out int value))
        {
            return value;
        }
        value = Compute(id);
        _values.TryAdd(key, value);
        return value;
    }
}

/// <summary>ResultCache as users run it: a generated method over the embedded store.</summary>
public sealed partial class ResultCacheContender(int capacity) : Contender
{
    private readonly CacheStore _store = new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntries = capacity });

    public override string Name => "ResultCache";

    private CacheStore CacheStore => _store;

    public override int Get(int id) => Cached(id);

    [CacheResult(600)]
    private partial int Cached(int id);

    private int CachedCore(int id) => Compute(id);
}

/// <summary>A BitFaster cache: ConcurrentLru, or ConcurrentLfu with its default scheduler (maintenance on a background thread), as users run them.</summary>
public sealed class BitFasterContender : Contender
{
    private readonly ICache<int, int> _cache;
    private readonly Func<int, int> _compute;

    public BitFasterContender(string name, ICache<int, int> cache) => (Name, _cache, _compute) = (name, cache, Compute);

    public override string Name { get; }

    public override int Get(int id) => _cache.GetOrAdd(id, _compute);
}

public sealed class MemoryCacheContender(int capacity) : Contender
{
    private static readonly MemoryCacheEntryOptions Entry = new() { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(600) };
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = capacity });

    public override string Name => "IMemoryCache";

    public override int Get(int id)
    {
        if (_cache.TryGetValue(id, out int value))
        {
            return value;
        }
        value = Compute(id);
        _cache.Set(id, value, Entry);
        return value;
    }
}

/// <summary>HybridCache with no distributed cache: its local layer only. Keys are strings, as its API takes.</summary>
public sealed class HybridContender : Contender
{
    private static readonly HybridCacheEntryOptions Entry = new() { Expiration = TimeSpan.FromSeconds(600), LocalCacheExpiration = TimeSpan.FromSeconds(600) };
    private readonly HybridCache _cache;

    public HybridContender(int capacity)
    {
        var services = new ServiceCollection();
        services.AddMemoryCache(o => o.SizeLimit = capacity);
        services.AddHybridCache();
        _cache = services.BuildServiceProvider().GetRequiredService<HybridCache>();
    }

    public override string Name => "HybridCache";

    public override int Get(int id) =>
        _cache.GetOrCreateAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture), (Contender: this, Id: id),
            static (s, _) => ValueTask.FromResult(s.Contender.Compute(s.Id)), Entry).GetAwaiter().GetResult();
}

public sealed class FusionContender(int capacity) : Contender
{
    private readonly FusionCache _cache = new(new FusionCacheOptions
    {
        DefaultEntryOptions = new FusionCacheEntryOptions { Duration = TimeSpan.FromSeconds(600), Size = 1 },
    }, new MemoryCache(new MemoryCacheOptions { SizeLimit = capacity }));

    public override string Name => "FusionCache";

    public override int Get(int id) => _cache.GetOrSet(id.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => Compute(id));
}
