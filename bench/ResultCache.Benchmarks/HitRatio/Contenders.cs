using BitFaster.Caching;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using BitFaster.Caching.Scheduler;
using Microsoft.Extensions.Caching.Memory;

namespace ResultCache.Benchmarks.HitRatio;

/// <summary>A cache replaying a trace: each request is a hit, or a miss that stores the key.</summary>
public interface IContender
{
    string Name { get; }

    bool Request(long key);
}

/// <summary>ResultCache as users run it: a generated method over the embedded store, bounded by entry count.</summary>
public sealed partial class ResultCacheContender(int capacity) : IContender
{
    private readonly CacheStore _store = new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntries = capacity });
    private long _coreCalls;

    public string Name => "ResultCache (memory store)";

    private CacheStore CacheStore => _store;

    public bool Request(long key)
    {
        long before = _coreCalls;
        Get(key);
        return _coreCalls == before;
    }

    [CacheResult(3600)]
    private partial int Get(long key);

    private int GetCore(long key)
    {
        _coreCalls++;
        return (int)key;
    }
}

/// <summary>A BitFaster cache: <c>ConcurrentLfu</c> or <c>ConcurrentLru</c>.</summary>
public sealed class BitFasterContender(string name, ICache<long, int> cache) : IContender
{
    // The foreground scheduler runs the LFU's maintenance on the caller's thread, so a replay is deterministic.
    public static BitFasterContender Lfu(int capacity) =>
        new("BitFaster ConcurrentLfu", new ConcurrentLfu<long, int>(1, capacity, new ForegroundScheduler(), EqualityComparer<long>.Default));

    public static BitFasterContender Lru(int capacity) => new("BitFaster ConcurrentLru", new ConcurrentLru<long, int>(capacity));

    public string Name => name;

    public bool Request(long key)
    {
        if (cache.TryGet(key, out _))
        {
            return true;
        }
        cache.AddOrUpdate(key, (int)key);
        return false;
    }
}

public sealed class MemoryCacheContender(int capacity) : IContender
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = capacity });

    public string Name => "MemoryCache (SizeLimit)";

    public bool Request(long key)
    {
        if (_cache.TryGetValue(key, out _))
        {
            return true;
        }
        _cache.Set(key, (int)key, new MemoryCacheEntryOptions { Size = 1 });
        return false;
    }
}

/// <summary>An exact LRU: a dictionary over a linked list, most recent last.</summary>
public sealed class ExactLruContender(int capacity) : IContender
{
    private readonly Dictionary<long, LinkedListNode<long>> _nodes = new(capacity);
    private readonly LinkedList<long> _order = new();

    public string Name => "exact LRU";

    public bool Request(long key)
    {
        if (_nodes.TryGetValue(key, out LinkedListNode<long>? node))
        {
            _order.Remove(node);
            _order.AddLast(node);
            return true;
        }
        if (_nodes.Count >= capacity)
        {
            _nodes.Remove(_order.First!.Value);
            _order.RemoveFirst();
        }
        _nodes[key] = _order.AddLast(key);
        return false;
    }
}
