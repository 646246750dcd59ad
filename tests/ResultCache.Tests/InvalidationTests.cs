using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Tests;

/// <summary>Exact invalidation through the generated companions, and tags, on both stores.</summary>
public sealed class InvalidationTests
{
    private static readonly Guid ProjectA = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly Guid ProjectB = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");
    private static readonly DateOnly Day = new(2026, 11, 26);

    private readonly FakeTimeProvider _time = new();
    private readonly LogSink _log = new();

    public static TheoryData<string> StoreKinds => StoreUnderTest.Kinds;

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task The_generated_companion_removes_exactly_that_calls_entry(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var reports = new ProjectReports(under.Store);
        await reports.GetStatsAsync(ProjectA, Day);
        await reports.GetStatsAsync(ProjectA, Day.AddDays(1));
        reports.CountMembers(ProjectA, Region.North);
        Assert.Equal(3, reports.CoreCalls);

        await reports.InvalidateGetStatsAsync(ProjectA, Day);
        reports.InvalidateCountMembers(ProjectA, Region.North);

        await reports.GetStatsAsync(ProjectA, Day);              // invalidated: runs Core
        await reports.GetStatsAsync(ProjectA, Day.AddDays(1));   // other arguments: still a hit
        reports.CountMembers(ProjectA, Region.North);            // invalidated (sync companion): runs Core
        Assert.Equal(5, reports.CoreCalls);
        await reports.GetStatsAsync(ProjectA, Day);
        Assert.Equal(5, reports.CoreCalls);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Invalidating_a_tag_misses_every_method_carrying_it_and_keeps_other_tags(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var reports = new ProjectReports(under.Store);
        foreach (Guid project in new[] { ProjectA, ProjectB })
        {
            await reports.GetStatsAsync(project, Day);
            reports.CountMembers(project, Region.South);
        }
        Assert.Equal(4, reports.CoreCalls);

        under.Store.InvalidateTag($"project:{ProjectA}");

        await reports.GetStatsAsync(ProjectA, Day);
        reports.CountMembers(ProjectA, Region.South);
        Assert.Equal(6, reports.CoreCalls); // both methods tagged project:A missed
        await reports.GetStatsAsync(ProjectB, Day);
        reports.CountMembers(ProjectB, Region.South);
        Assert.Equal(6, reports.CoreCalls); // project:B still hits
        await reports.GetStatsAsync(ProjectA, Day);
        Assert.Equal(6, reports.CoreCalls); // and A is cached again
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_tag_names_the_same_entries_whatever_the_current_culture(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var reports = new ProjectReports(under.Store);
        await reports.GetStatsAsync(ProjectA, Day);

        CultureInfo original = CultureInfo.CurrentCulture;
        try
        {
            // Another calendar and other digits: a current-culture "yyyy-MM-dd" would name another tag here.
            CultureInfo.CurrentCulture = new CultureInfo("ar-SA");
            await under.Store.InvalidateTagAsync($"day:{Day:yyyy-MM-dd}");
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }

        await reports.GetStatsAsync(ProjectA, Day);
        Assert.Equal(2, reports.CoreCalls);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_result_computed_while_its_tag_is_invalidated_is_never_served(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var reports = new ProjectReports(under.Store);
        reports.DuringCore = () => under.Store.InvalidateTag($"project:{ProjectA}"); // lands between the read and the write

        await reports.GetStatsAsync(ProjectA, Day);
        reports.DuringCore = null;
        await reports.GetStatsAsync(ProjectA, Day);
        await reports.GetStatsAsync(ProjectA, Day);

        Assert.Equal(2, reports.CoreCalls); // the result stored under the old version missed once, the next one hits
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task Tag_invalidation_does_the_same_work_for_one_entry_and_for_100_000(string kind)
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync(kind, _time, _log);
        var method = new CachedMethod<int>("Tests.Bulk", "00000000", 300, CacheJson.From<int>(TestJson.Default)).Description;
        CacheTags Tags() => new($"bulk:{kind}");

        var costs = new List<long>();
        foreach (int entries in new[] { 1, 100_000 })
        {
            CacheLookup<int> miss = await under.Store.ReadAsync(method, new CacheKey(0, Tags()), sync: false);
            await Task.WhenAll(Enumerable.Range(0, entries).Select(i =>
                under.Store.WriteAsync(method, new CacheKey((UInt128)i, Tags()), miss, i, method.Ttl, sync: false).AsTask()));
            Assert.True((await under.Store.ReadAsync(method, new CacheKey((UInt128)(entries - 1), Tags()), sync: false)).Found);

            costs.Add(await under.MeasureAsync(() => under.Store.InvalidateTagAsync($"bulk:{kind}").AsTask()));

            Assert.False((await under.Store.ReadAsync(method, new CacheKey(0, Tags()), sync: false)).Found);
            Assert.False((await under.Store.ReadAsync(method, new CacheKey((UInt128)(entries - 1), Tags()), sync: false)).Found);
        }

        // Redis: commands the server ran for the invalidation (one DEL); memory: entries it touched (none).
        Assert.Equal(costs[0], costs[1]);
        Assert.Equal(kind == "redis" ? 1 : 0, costs[1]);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Invalidations_while_the_gate_is_closed_are_applied_before_it_reopens()
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync("redis", _time, _log);
        var store = (RedisCacheStore)under.Store;
        RedisServer redis = under.Redis!;
        var reports = new ProjectReports(store);
        await reports.GetStatsAsync(ProjectA, Day);
        reports.CountMembers(ProjectB, Region.North);
        string tagKey = store.Keys.Tag(((CacheTag)$"project:{ProjectA}").ToHash());
        Assert.True(await redis.Admin.KeyExistsAsync(tagKey));

        redis.Pause(); // a hung server: the next call times out once and closes the gate
        reports.CountMembers(ProjectB, Region.South);
        Assert.Equal(RedisStatus.Unavailable, store.Status);

        var invalidations = Stopwatch.StartNew();
        await store.InvalidateTagAsync($"project:{ProjectA}");
        reports.InvalidateCountMembers(ProjectB, Region.North);
        Assert.True(invalidations.Elapsed < TimeSpan.FromSeconds(1), $"Invalidating with the gate closed took {invalidations.Elapsed}.");

        redis.Resume();
        Assert.True(await redis.Admin.KeyExistsAsync(tagKey)); // nothing reached Redis yet: the entries are still there
        _time.Advance(StoreUnderTest.Backoff); // starts the probe: it deletes what was invalidated, then opens the gate
        Assert.True(await Eventually.TrueAsync(() => store.Status == RedisStatus.Available, TimeSpan.FromSeconds(10)));
        Assert.False(await redis.Admin.KeyExistsAsync(tagKey));

        int before = reports.CoreCalls;
        await reports.GetStatsAsync(ProjectA, Day);
        reports.CountMembers(ProjectB, Region.North);
        Assert.Equal(before + 2, reports.CoreCalls); // both invalidated entries missed
        Assert.Contains(_log.Entries, e => e.Message.Contains("deleted 2 entries and tags invalidated", StringComparison.Ordinal));
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_tag_version_key_expires_after_the_retention()
    {
        await using StoreUnderTest under = await StoreUnderTest.StartAsync("redis", _time, _log);
        var store = (RedisCacheStore)under.Store;
        await new ProjectReports(store).GetStatsAsync(ProjectA, Day);

        TimeSpan? ttl = await under.Redis!.Admin.KeyTimeToLiveAsync(store.Keys.Tag(((CacheTag)$"project:{ProjectA}").ToHash()));

        Assert.InRange(ttl!.Value, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
    }
}
