using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Hosting;

/// <summary>What the Redis store logs through a fault's life, and that no argument value ever reaches a message.</summary>
public sealed class LoggingTests
{
    private const string Secret = "4111-1111-1111-1111";

    [Fact]
    public async Task A_fault_logs_its_cause_the_reset_and_the_recovery_without_argument_values()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var time = new FakeTimeProvider();
        var log = new LogSink();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration,
            TimeProvider = time,
            Logger = log,
            OperationTimeout = TimeSpan.FromSeconds(5), // generous: a timeout under a loaded test run would be a fault of its own
        });
        var service = new StatsService(store);
        await service.Describe(Secret, Region.North, "trace");

        // A corrupt value: a logged miss naming the method and key hash.
        string key = Assert.Single(redis.Keys());
        await redis.Admin.StringSetAsync(key, "{not json");
        await service.Describe(Secret, Region.North, "trace");

        // A fault, then recovery.
        redis.Kill();
        await service.Describe(Secret, Region.South, "trace");
        await redis.RestartAsync();
        time.Advance(TimeSpan.FromSeconds(30)); // the backoff's end starts the probe
        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, TimeSpan.FromSeconds(10)));

        string[] messages = log.Entries.Select(e => e.Message).ToArray();
        Assert.Contains(messages, m => m.Contains("could not be read", StringComparison.Ordinal)
            && m.Contains("ResultCache.Tests.StatsService.Describe", StringComparison.Ordinal) && m.Contains(key[^32..], StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Redis is unavailable (Redis", StringComparison.Ordinal)); // the cause: the exception's type
        Assert.Contains(messages, m => m.StartsWith("Redis connection reset", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Information && e.Message == "Redis is available; cached methods use it.");
        Assert.All(messages, m => Assert.DoesNotContain(Secret, m));
    }
}
