using Microsoft.Extensions.Logging;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>
/// Before Redis 7.0, SET refuses NX together with GET, which starts a tag's version. Tags then start with SET NX and a
/// GET: the same behaviour, one more round trip on a tag's first use, one information line.
/// </summary>
public sealed class Redis6Tests
{
    [Fact]
    public async Task Tags_and_invalidation_work_where_SET_refuses_NX_with_GET()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using Redis6Proxy proxy = Redis6Proxy.Start(redis.Port);
        var log = new LogSink();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions { Configuration = proxy.Configuration, Logger = log });
        var reports = new ProjectReports(store);
        Guid project = Guid.NewGuid();
        var day = new DateOnly(2026, 12, 5);

        await reports.GetStatsAsync(project, day);
        await reports.GetStatsAsync(project, day);
        Assert.Equal(1, reports.CoreCalls);
        await store.InvalidateTagAsync($"project:{project}");
        await reports.GetStatsAsync(project, day);
        await reports.GetStatsAsync(project, day);
        Assert.Equal(2, reports.CoreCalls); // the tag moved on once, then hits again
        await store.InvalidateTagAsync($"day:{day:yyyy-MM-dd}");
        Assert.Equal(new Stats(project, day, 5), await reports.GetStatsAsync(project, day));
        Assert.Equal(3, reports.CoreCalls);

        Assert.Equal(1, proxy.Refused); // refused once, then never sent again
        (LogLevel level, string message) = Assert.Single(log.Entries, e => e.Message.Contains("needs Redis 7.0", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, level);
        Assert.Contains("syntax error", message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(RedisStatus.Available, store.Status);
    }
}
