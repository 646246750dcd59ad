using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

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
    public void A_result_over_the_per_entry_cap_is_returned_not_cached_not_thrown_and_counted()
    {
        using var metrics = new MetricRecorder();
        var log = new LogSink();
        var store = new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntryBytes = 1 << 20, Logger = log });
        var documents = new Documents(store);

        string first = documents.Render(megabytes: 2);
        string second = documents.Render(megabytes: 2);
        string small = documents.Render(megabytes: 0);
        documents.Render(megabytes: 0);

        Assert.Equal(1 << 20, first.Length); // 2 MB of UTF-16 text, returned whole
        Assert.Equal(first, second);
        Assert.Empty(small);
        Assert.Equal(3, documents.CoreCalls); // the large one ran each time; the small one was cached
        Assert.Equal(1, store.Count);
        Assert.Equal(2, metrics.Sum("cache.too_large", "cache.method", "ResultCache.Tests.Documents.Render"));
        Assert.Single(log.Entries, e => e.Message.Contains("over the in-process cap of 1048576 bytes per entry"));
    }

    [Fact]
    public void Bad_options_fail_at_construction()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntries = 0 }));
        Assert.Contains("MaxEntries", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryCacheStore(new MemoryCacheStoreOptions { MaxBytes = 0 }));
        Assert.Contains("MemoryCacheStoreOptions.MaxBytes must be positive", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntryBytes = -1 }));
        Assert.Contains("MemoryCacheStoreOptions.MaxEntryBytes must be positive", error.Message);
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

/// <summary>A method with results as large as asked for.</summary>
public sealed partial class Documents(CacheStore store)
{
    private CacheStore CacheStore => store;

    public int CoreCalls { get; private set; }

    [CacheResult(60)]
    public partial string Render(int megabytes);

    private string RenderCore(int megabytes)
    {
        CoreCalls++;
        return new string('d', megabytes * (1 << 20) / 2);
    }
}
