using Microsoft.Extensions.Time.Testing;

namespace ResultCache.Tests;

/// <summary>The embedded store: TTL on a moved clock, and the size bound.</summary>
public sealed class MemoryCacheStoreTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Entries_expire_after_the_ttl()
    {
        var service = new StatsService(new MemoryCacheStore(new MemoryCacheStoreOptions { TimeProvider = _time }));

        service.Add(1, 2);
        _time.Advance(TimeSpan.FromSeconds(59));
        service.Add(1, 2);
        Assert.Equal(1, service.CoreCalls);

        _time.Advance(TimeSpan.FromSeconds(1)); // [CacheResult(60)]
        service.Add(1, 2);
        Assert.Equal(2, service.CoreCalls);
    }

    [Fact]
    public void When_full_expired_entries_go_first()
    {
        var store = new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntries = 100, TimeProvider = _time });
        var service = new StatsService(store);
        for (int i = 0; i < 50; i++)
        {
            service.Add(i, 0);
        }
        _time.Advance(TimeSpan.FromSeconds(61)); // those 50 expire
        for (int i = 0; i < 51; i++)
        {
            service.Add(i, 1); // the 101st entry triggers trimming
        }
        Assert.Equal(51, store.Count);

        for (int i = 0; i < 51; i++)
        {
            service.Add(i, 1);
        }
        Assert.Equal(101, service.CoreCalls); // every fresh entry survived
    }

    [Fact]
    public void The_store_never_holds_more_than_its_bound()
    {
        var store = new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntries = 100, TimeProvider = _time });
        var service = new StatsService(store);
        for (int i = 0; i < 1_000; i++)
        {
            service.Add(i, 1);
            Assert.InRange(store.Count, 1, 100);
        }
    }

    [Fact]
    public void Bad_options_fail_at_construction()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntries = 0 }));
        Assert.Contains("MaxEntries", error.Message);
    }

    [Fact]
    public void Clear_drops_every_entry()
    {
        var store = new MemoryCacheStore();
        var service = new StatsService(store);
        service.Add(1, 2);

        store.Clear();
        service.Add(1, 2);

        Assert.Equal(2, service.CoreCalls);
        Assert.Equal(1, store.Count);
    }
}
