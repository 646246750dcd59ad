using ResultCache.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ResultCache.Tests.Reliability;

/// <summary>
/// A three-master Redis Cluster: cached and tagged methods work across slots, a stopped master closes the
/// store's one gate (for every key; docs/reliability.md says why), and caching recovers when it rejoins.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly DateOnly Day = new(2026, 11, 26);

    [Fact]
    public async Task Cached_methods_work_on_a_cluster_and_recover_when_a_stopped_master_rejoins()
    {
        await using RedisCluster cluster = await RedisCluster.StartAsync(masters: 3);
        RedisCacheStoreOptions options = ScenarioRunner.Options(cluster.Configuration);
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        using var store = new RedisCacheStore(options);
        var reports = new ProjectReports(store);
        Guid[] projects = Enumerable.Range(0, 30).Select(i => new Guid(i, 0, 0, new byte[8])).ToArray();

        foreach (Guid project in projects)
        {
            await reports.GetStatsAsync(project, Day);
            await reports.GetStatsAsync(project, Day);
        }
        Assert.Equal(projects.Length, reports.CoreCalls); // every second call was a hit
        Assert.All(cluster.Nodes, node => Assert.True(cluster.KeysOn(node) > 0, $"Node {node.Port} holds no key: the keys did not spread over the slots."));
        await store.InvalidateTagAsync($"project:{projects[0]}"); // single-key commands only: no CROSSSLOT error
        await reports.GetStatsAsync(projects[0], Day);
        Assert.Equal(projects.Length + 1, reports.CoreCalls);

        RedisServer stopped = cluster.Nodes[1];
        stopped.Kill();
        foreach (Guid project in projects)
        {
            await reports.GetStatsAsync(project, Day); // never throws
        }
        Assert.NotEqual(RedisStatus.Available, store.Status); // one gate per store: closed for every key

        await stopped.RestartAsync(); // same port and nodes.conf: it rejoins as the same master
        Assert.True(await cluster.IsHealthyAsync(TimeSpan.FromSeconds(20)), "The restarted master did not rejoin.");
        var recovery = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await reports.GetStatsAsync(projects[2], Day); // never throws, whether the probe has run or not
            return store.Status == RedisStatus.Available;
        }, options.Backoff + TimeSpan.FromSeconds(10)), "The gate did not reopen after the master rejoined.");
        output.WriteLine($"The gate reopened {recovery.Elapsed.TotalMilliseconds:0} ms after the cluster was healthy again.");

        int before = reports.CoreCalls;
        await reports.GetStatsAsync(projects[2], Day); // a miss if its node was the one that lost its data
        await reports.GetStatsAsync(projects[2], Day);
        Assert.InRange(reports.CoreCalls - before, 0, 1); // the second call is a Redis hit
    }
}
