using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ResultCache.Tests.Infrastructure;

/// <summary>A memory store, or a Redis store on its own redis-server, with a way to count an operation's work.</summary>
public sealed class StoreUnderTest : IAsyncDisposable
{
    /// <summary>Both stores, for theories that must behave the same on each.</summary>
    public static TheoryData<string> Kinds => new() { "memory", "redis" };

    private StoreUnderTest(CacheStore store, RedisServer? redis)
    {
        Store = store;
        Redis = redis;
    }

    public CacheStore Store { get; }

    public RedisServer? Redis { get; }

    /// <summary>How long the Redis store's gate stays closed after a fault.</summary>
    public static readonly TimeSpan Backoff = TimeSpan.FromSeconds(30);

    public static async Task<StoreUnderTest> StartAsync(string kind, TimeProvider time, ILogger log)
    {
        if (kind == "memory")
        {
            return new StoreUnderTest(new MemoryCacheStore(new MemoryCacheStoreOptions { TimeProvider = time, Logger = log }), null);
        }
        RedisServer redis = await RedisServer.StartAsync();
        return new StoreUnderTest(new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration,
            TimeProvider = time,
            Logger = log,
            Backoff = Backoff,
            OperationTimeout = TimeSpan.FromSeconds(2),
        }), redis);
    }

    /// <summary>Redis: commands the server processed during <paramref name="operation"/>. Memory: entries it removed.</summary>
    public async Task<long> MeasureAsync(Func<Task> operation)
    {
        if (Redis is null)
        {
            var memory = (MemoryCacheStore)Store;
            int before = memory.Count;
            await operation();
            return before - memory.Count;
        }
        long start = CommandsProcessed();
        await operation();
        // INFO itself counts once per reading; take that off.
        return CommandsProcessed() - start - 1;
    }

    public async ValueTask DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }

    private long CommandsProcessed()
    {
        if (RedisServer.Garnet is not null)
        {
            throw new InvalidOperationException("Garnet does not count commands in INFO stats (total_commands_processed stays 0); a test that measures commands is not part of the Garnet run.");
        }
        IGrouping<string, KeyValuePair<string, string>>[] info = Redis!.AdminServer.Info("stats");
        return long.Parse(info.SelectMany(g => g).Single(p => p.Key == "total_commands_processed").Value, CultureInfo.InvariantCulture);
    }
}
