using System.Text.Json.Serialization;
using Castle.DynamicProxy;
using Microsoft.Extensions.Caching.Memory;
using ResultCache;

[assembly: CacheSerializer(typeof(ResultCache.Benchmarks.BenchJson))]

namespace ResultCache.Benchmarks;

// The same cached method for every contender: three arguments (Guid, int, string), a small record result.

public sealed record Stats(Guid ProjectId, int Day, string Region, long Events);

public enum Region { North, South }

[JsonSerializable(typeof(Stats))]
public sealed partial class BenchJson : JsonSerializerContext;

public static class Work
{
    public static Stats Compute(Guid projectId, int day, string region) => new(projectId, day, region, 42);
}

/// <summary>ResultCache: the generated wrapper.</summary>
public sealed partial class CachedStats(CacheStore store)
{
    private CacheStore CacheStore => store;

    [CacheResult(3600)]
    public partial Stats Get(Guid projectId, int day, string region);

    [CacheResult(3600)]
    public partial ValueTask<Stats> GetValueAsync(Guid projectId, int day, string region);

    [CacheResult(3600)]
    public partial Task<Stats> GetAsync(Guid projectId, int day, string region);

    private Stats GetCore(Guid projectId, int day, string region) => Work.Compute(projectId, day, region);

    private ValueTask<Stats> GetValueAsyncCore(Guid projectId, int day, string region) => new(Work.Compute(projectId, day, region));

    private Task<Stats> GetAsyncCore(Guid projectId, int day, string region) => Task.FromResult(Work.Compute(projectId, day, region));
}

/// <summary>Cache-aside written by hand over IMemoryCache, with a string key.</summary>
public sealed class HandWrittenMemory(IMemoryCache cache)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    public Stats Get(Guid projectId, int day, string region)
    {
        string key = $"stats:{projectId}:{day}:{region}";
        if (cache.TryGetValue(key, out Stats? stats))
        {
            return stats!;
        }
        stats = Work.Compute(projectId, day, region);
        cache.Set(key, stats, Ttl);
        return stats;
    }

    public ValueTask<Stats> GetValueAsync(Guid projectId, int day, string region) => new(Get(projectId, day, region));
}

/// <summary>What a careful hand writes with StackExchange.Redis: GET, source-generated JSON, SET on a miss.</summary>
public sealed class HandWrittenRedis(StackExchange.Redis.IDatabase database)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    public async Task<Stats> GetAsync(Guid projectId, int day, string region)
    {
        string key = $"stats:{projectId}:{day}:{region}";
        StackExchange.Redis.RedisValue cached = await database.StringGetAsync(key);
        if (!cached.IsNull)
        {
            return System.Text.Json.JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)cached).Span, BenchJson.Default.Stats)!;
        }
        Stats stats = Work.Compute(projectId, day, region);
        await database.StringSetAsync(key, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(stats, BenchJson.Default.Stats), Ttl);
        return stats;
    }
}

/// <summary>What attribute libraries built on dynamic proxies do: intercept, build a key from boxed arguments, look up.</summary>
public interface IStatsService
{
    Stats Get(Guid projectId, int day, string region);
}

public class StatsService : IStatsService
{
    public virtual Stats Get(Guid projectId, int day, string region) => Work.Compute(projectId, day, region);
}

public sealed class MemoryCacheInterceptor(IMemoryCache cache) : IInterceptor
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    public void Intercept(IInvocation invocation)
    {
        string key = invocation.Method.Name + ":" + string.Join(":", invocation.Arguments);
        if (cache.TryGetValue(key, out object? cached))
        {
            invocation.ReturnValue = cached;
            return;
        }
        invocation.Proceed();
        cache.Set(key, invocation.ReturnValue, Ttl);
    }
}
