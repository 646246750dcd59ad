using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>What every store shares: exceptions, cancellation, nulls, and which calls share an entry.</summary>
[Trait(Engine.Name, Engine.Garnet)]
public sealed class CacheAsideTests
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly DateOnly Day = new(2026, 11, 26);

    private readonly MemoryCacheStore _store = new();

    [Fact]
    public async Task Exceptions_from_core_propagate_unchanged_and_are_not_cached()
    {
        var service = new StatsService(_store) { Failure = new InvalidOperationException("database down") };

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => service.GetStatsAsync(Project, Day));
        Assert.Same(service.Failure, thrown);
        Assert.Contains(nameof(StatsService), thrown.StackTrace); // the stack still shows where it was thrown

        service.Failure = null;
        await service.GetStatsAsync(Project, Day);
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(2, service.CoreCalls);
    }

    [Fact]
    public async Task Exceptions_are_not_cached_in_redis_either()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var store = new RedisCacheStore(redis.Configuration);
        var service = new StatsService(store) { Failure = new TimeoutException("slow query") };

        var thrown = await Assert.ThrowsAsync<TimeoutException>(() => service.GetStatsAsync(Project, Day));
        Assert.Same(service.Failure, thrown);
        Assert.Empty(redis.Keys());
        Assert.Equal(RedisStatus.Available, store.Status); // the caller's own TimeoutException is not a Redis fault
    }

    [Fact]
    public async Task A_cancelled_token_cancels_before_core_runs()
    {
        var service = new StatsService(_store);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.GetStatsAsync(Project, Day, cancelled.Token));
        Assert.Equal(0, service.CoreCalls);
    }

    [Fact]
    public async Task Cancellation_inside_core_propagates_and_nothing_is_cached()
    {
        using var cancellation = new CancellationTokenSource();
        var service = new StatsService(_store) { DuringCore = () => cancellation.CancelAsync() };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.GetStatsAsync(Project, Day, cancellation.Token));

        service.DuringCore = null;
        await service.GetStatsAsync(Project, Day);
        Assert.Equal(2, service.CoreCalls);
    }

    [Fact]
    public async Task Cancellation_token_is_not_part_of_the_key()
    {
        var service = new StatsService(_store);
        using var one = new CancellationTokenSource();
        using var two = new CancellationTokenSource();

        await service.GetStatsAsync(Project, Day, one.Token);
        await service.GetStatsAsync(Project, Day, two.Token);
        Assert.Equal(1, service.CoreCalls);
    }

    [Fact]
    public async Task Null_results_are_not_cached_unless_the_attribute_says_so()
    {
        var service = new StatsService(_store);

        Assert.Null(await service.Describe(null, Region.North, "t1"));
        Assert.Null(await service.Describe(null, Region.North, "t2"));
        Assert.Equal(2, service.CoreCalls); // CacheNulls off: a null result is computed again

        Assert.Null(service.DescribeOrNull(null));
        Assert.Null(service.DescribeOrNull(null));
        Assert.Equal(3, service.CoreCalls); // CacheNulls = true: cached
    }

    [Fact]
    public async Task Ignored_parameters_share_an_entry_and_enums_are_keyed()
    {
        var service = new StatsService(_store);

        Assert.Equal("a@North", await service.Describe("a", Region.North, "trace-1"));
        Assert.Equal("a@North", await service.Describe("a", Region.North, "trace-2"));
        Assert.Equal("a@South", await service.Describe("a", Region.South, "trace-1"));
        Assert.Equal(2, service.CoreCalls);
    }

    [Fact]
    public void Collections_and_json_encoded_parameters_are_keyed_by_content()
    {
        var service = new StatsService(_store);

        Assert.Equal(14, service.Sum([1, 2], [Region.North], new Filter("f", 10)));
        Assert.Equal(14, service.Sum([1, 2], [Region.North], new Filter("f", 10)));
        Assert.Equal(1, service.CoreCalls);

        service.Sum([2, 1], [Region.North], new Filter("f", 10));   // order matters
        service.Sum(null, [Region.North], new Filter("f", 10));     // null differs from empty
        service.Sum([], [Region.North], new Filter("f", 10));
        service.Sum([1, 2], [Region.South], new Filter("f", 10));
        service.Sum([1, 2], [Region.North], new Filter("g", 10));
        Assert.Equal(6, service.CoreCalls);
    }

    [Fact]
    public async Task ValueTask_hit_from_memory_completes_synchronously()
    {
        var service = new StatsService(_store);
        await service.Describe("a", Region.North, "t");

        ValueTask<string?> hit = service.Describe("a", Region.North, "t");
        Assert.True(hit.IsCompletedSuccessfully);
        Assert.Equal("a@North", await hit);
    }

    [Fact]
    public void Closed_forms_of_a_generic_type_never_share_entries()
    {
        var ints = new Repository<int>(_store);
        var strings = new Repository<string>(_store);

        Assert.Equal("Int32:1", ints.Find(1));
        Assert.Equal("String:1", strings.Find(1));
        Assert.Equal("Int32:1", ints.Find(1));
        Assert.Equal(1, ints.CoreCalls);
        Assert.Equal(1, strings.CoreCalls);
    }

    [Fact]
    public void The_receiver_is_keyed_when_its_type_implements_ICacheKey()
    {
        var acme = new TenantService(_store, "acme");
        var globex = new TenantService(_store, "globex");
        var acmeAgain = new TenantService(_store, "acme");

        Assert.Equal("acme:x", acme.Greet("x"));
        Assert.Equal("globex:x", globex.Greet("x"));
        Assert.Equal("acme:x", acmeAgain.Greet("x"));
        Assert.Equal(0, acmeAgain.CoreCalls); // same tenant: served from acme's entry
    }

    [Fact]
    public void Static_methods_use_the_type_s_static_store()
    {
        int before = StaticLookups.CoreCalls;
        Assert.Equal(49, StaticLookups.Square(7));
        Assert.Equal(49, StaticLookups.Square(7));
        Assert.Equal(before + 1, StaticLookups.CoreCalls);
        Assert.True(((MemoryCacheStore)StaticLookups.CacheStore).Count >= 1);
    }

    [Fact]
    public void Without_a_store_member_the_process_default_is_used()
    {
        // Default resolves from RESULTCACHE_REDIS at first use; the test run leaves it unset.
        Assert.IsType<MemoryCacheStore>(CacheStore.CreateDefault(null));
        Assert.IsType<MemoryCacheStore>(CacheStore.CreateDefault("  "));
        using var redis = Assert.IsType<RedisCacheStore>(CacheStore.CreateDefault("127.0.0.1:1"));
    }
}
