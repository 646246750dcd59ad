using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>Fail-safe serving of expired values when ...Core fails, and TTL jitter, on both stores.</summary>
[Trait(Engine.Name, Engine.Garnet)]
public sealed class FailSafeAndJitterTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly LogSink _log = new();

    public static TheoryData<string> StoreKinds => StoreUnderTest.Kinds;

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task When_core_fails_an_expired_value_within_the_window_is_returned_and_logged(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new FlakyService(under.Store);
        Assert.Equal(11, await service.GetWithFailSafeAsync(1)); // [CacheResult(60, FailSafeSeconds = 300)]

        _time.Advance(TimeSpan.FromSeconds(61)); // expired, inside the fail-safe window
        service.Failure = new InvalidOperationException("database down");
        Assert.Equal(11, await service.GetWithFailSafeAsync(1));
        Assert.Equal(2, service.CoreCalls); // ...Core was tried first
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("fail-safe returned its expired cached value", StringComparison.Ordinal));

        service.Failure = null;
        Assert.Equal(13, await service.GetWithFailSafeAsync(1)); // ...Core works again: a fresh value replaces the old
        Assert.Equal(13, await service.GetWithFailSafeAsync(1));
        Assert.Equal(3, service.CoreCalls);
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Past_the_window_the_exception_propagates(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new FlakyService(under.Store);
        await service.GetWithFailSafeAsync(1);

        _time.Advance(TimeSpan.FromSeconds(60 + 301));
        var failure = new InvalidOperationException("database down");
        service.Failure = failure;

        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => service.GetWithFailSafeAsync(1)));
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Without_fail_safe_the_exception_propagates_even_with_an_expired_value(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var service = new FlakyService(under.Store);
        await service.GetAsync(1); // [CacheResult(60)], fail-safe off

        // Expire it: Redis keeps its own clock, so there the key is deleted as its server would on expiry.
        _time.Advance(TimeSpan.FromSeconds(61));
        foreach (string key in under.Redis?.Keys() ?? [])
        {
            await under.Redis!.Admin.KeyDeleteAsync(key);
        }
        var failure = new InvalidOperationException("database down");
        service.Failure = failure;

        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => service.GetAsync(1)));
    }

    [Fact]
    public async Task Jitter_spreads_the_expiry_of_entries_written_together()
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync("memory", _time, _log);
        var service = new FlakyService(under.Store);
        for (int i = 0; i < 200; i++)
        {
            service.GetJittered(i); // [CacheResult(100, TtlJitterPercent = 20)]: TTLs between 80 and 120 s
        }

        _time.Advance(TimeSpan.FromSeconds(79));
        int expiredAt79 = Reread(service);
        _time.Advance(TimeSpan.FromSeconds(21)); // 100 s
        int expiredAt100 = Reread(service);
        _time.Advance(TimeSpan.FromSeconds(21)); // 121 s
        int expiredAt121 = Reread(service);

        Assert.Equal(0, expiredAt79);
        Assert.InRange(expiredAt100, 40, 160); // about half, not all at once
        Assert.Equal(200 - expiredAt100, expiredAt121); // the rest by the end of the spread
    }

    [Fact]
    public async Task Jitter_spreads_the_ttls_redis_holds()
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync("redis", _time, _log);
        var service = new FlakyService(under.Store);
        for (int i = 0; i < 50; i++)
        {
            service.GetJittered(i);
        }

        TimeSpan[] ttls = await Task.WhenAll(under.Redis!.Keys().Select(async k => (await under.Redis.Admin.KeyTimeToLiveAsync(k))!.Value));

        Assert.Equal(50, ttls.Length);
        Assert.All(ttls, ttl => Assert.InRange(ttl.TotalSeconds, 79, 120));
        Assert.True(ttls.Max() - ttls.Min() > TimeSpan.FromSeconds(10), $"TTLs from {ttls.Min()} to {ttls.Max()} are not spread.");
    }

    // Reads every key again: returns how many ran ...Core (their entry had expired) since the last reread.
    private static int Reread(FlakyService service)
    {
        int before = service.CoreCalls;
        for (int i = 0; i < 200; i++)
        {
            service.GetJittered(i);
        }
        return service.CoreCalls - before;
    }
}
