using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ResultCache.Tests.Reliability;

/// <summary>
/// A three-master Redis Cluster: cached and tagged methods work across slots; a stopped master closes the gate of its
/// own keys only, the others keep using Redis; caching recovers when it rejoins, or when its replica is promoted.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly DateOnly Day = new(2026, 11, 26);

    [Fact]
    public async Task Cached_methods_work_on_a_cluster_and_recover_when_a_stopped_master_rejoins()
    {
        // Full coverage off: with it on and no replica, the whole cluster refuses every key a node timeout (1 s) after the
        // kill, and whether the loop below ends before that depends on the machine's speed.
        await using RedisCluster cluster = await RedisCluster.StartAsync(masters: 3, fullCoverage: false);
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
        Assert.Equal(RedisStatus.Available, store.Status); // the other masters' keys keep using Redis
        Assert.Equal(1, store.UnavailableNodes);

        await stopped.RestartAsync(); // same port and nodes.conf: it rejoins as the same master
        Assert.True(await cluster.IsHealthyAsync(TimeSpan.FromSeconds(20)), "The restarted master did not rejoin.");
        var recovery = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await reports.GetStatsAsync(projects[2], Day); // never throws, whether the probe has run or not
            return store.UnavailableNodes == 0;
        }, options.Backoff + TimeSpan.FromSeconds(10)), "The node's gate did not reopen after the master rejoined.");
        output.WriteLine($"The gate reopened {recovery.Elapsed.TotalMilliseconds:0} ms after the cluster was healthy again.");

        int before = reports.CoreCalls;
        await reports.GetStatsAsync(projects[2], Day); // a miss if its node was the one that lost its data
        await reports.GetStatsAsync(projects[2], Day);
        Assert.InRange(reports.CoreCalls - before, 0, 1); // the second call is a Redis hit
    }

    [Fact]
    public async Task A_killed_master_costs_only_its_own_keys_and_its_promoted_replica_serves_them_within_5_s()
    {
        // Full coverage off, as production clusters that favour availability run.
        FailoverRun run = await KillAMasterUnderLoadAsync(fullCoverage: false);

        Assert.Equal(0, run.StoreGateClosed); // the store's gate never closed: the other masters' keys used Redis throughout...
        Assert.Equal(0, run.OtherRuns);       // ...and none of them ran ...Core (the local layer is off: a hit was Redis's)
        Assert.Equal(1, run.NodesClosedMost);
    }

    [Fact]
    public async Task With_full_coverage_the_cluster_refuses_every_key_until_the_promotion_and_each_key_still_runs_core_at_most_once()
    {
        // Redis's default: from the failure's detection to the promotion every node answers CLUSTERDOWN for every key.
        // Each answering node's gate closes too, so calls are served in process under single flight, not one miss (and
        // one logged error) per call.
        FailoverRun run = await KillAMasterUnderLoadAsync(fullCoverage: true);

        Assert.Equal(0, run.StoreGateClosed); // the link was fine: each node's gate, each reopened by its own probe
        Assert.InRange(run.OtherRunsMostPerKey, 0, 1);
        Assert.InRange(run.Warnings, 1, 10); // a line per node gate, not one per call
    }

    [Fact]
    public async Task Slots_no_master_serves_close_one_gate_each_of_their_keys_runs_core_once_and_it_reopens_when_they_are_served()
    {
        await using RedisCluster cluster = await RedisCluster.StartAsync(masters: 3, fullCoverage: false);
        var log = new LogSink();
        using RedisCacheStore store = NewStore(cluster, log);
        var service = new ClusterService(store);
        const int Keys = 300;
        async Task<int> CoreRunsOfARoundAsync()
        {
            int before = service.CoreRuns.Count;
            for (int id = 0; id < Keys; id++)
            {
                Assert.Equal(ClusterService.ValueOf(id), await service.ReadAsync(id));
            }
            return service.CoreRuns.Count - before;
        }
        Assert.Equal(Keys, await CoreRunsOfARoundAsync());
        RedisServer owner;
        await using (ConnectionMultiplexer direct = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration))
        {
            int ownerPort = ((System.Net.IPEndPoint)direct.GetServers()[0].ClusterConfiguration!.GetBySlot(0)!.EndPoint!).Port;
            owner = cluster.Nodes.Single(n => n.Port == ownerPort);
        }

        // Slots 0-2000 leave every node's map: their keys get "CLUSTERDOWN Hash slot not served", from a node that is up.
        foreach (RedisServer node in cluster.Nodes)
        {
            Assert.Equal("+OK", await node.CommandAsync(["CLUSTER", "DELSLOTSRANGE", "0", "2000"]));
        }
        // Two rounds: the keys of those slots are computed once and then served in process, never a miss per call. While
        // the client's map still names the old owner for them, that owner's other keys are kept from Redis too (one gate
        // for the node the map names): each of those runs ...Core once as well.
        int runsBefore = service.CoreRuns.Count;
        await CoreRunsOfARoundAsync();
        await CoreRunsOfARoundAsync();
        int[] perKey = [.. service.CoreRuns.Skip(runsBefore).GroupBy(r => r.Id).Select(g => g.Count())];
        Assert.InRange(perKey.Length, 1, Keys / 2);
        Assert.All(perKey, runs => Assert.Equal(1, runs));
        Assert.Equal(1, store.UnavailableNodes); // one gate, not one per slot a key hashes to
        Assert.Equal(RedisStatus.Available, store.Status);
        Assert.Single(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("Hash slot not served", StringComparison.Ordinal));

        Assert.Equal("+OK", await owner.CommandAsync(["CLUSTER", "ADDSLOTSRANGE", "0", "2000"])); // the data never left it
        Assert.True(await Eventually.TrueAsync(() => store.UnavailableNodes == 0, TimeSpan.FromSeconds(15)), "The gate of the unserved slots did not reopen.");
        Assert.Equal(0, await CoreRunsOfARoundAsync()); // every key from Redis again
    }

    [Fact]
    public async Task A_call_kept_in_process_as_its_node_reopens_gets_the_value_from_redis_not_a_second_core_run()
    {
        // The node's gate reopens (and its outage entries go) between a call's admission, which kept it in process, and
        // its read of the outage layer. Made exact with a clock that reopens the gate while that admission reads it.
        await using RedisCluster cluster = await RedisCluster.StartAsync(masters: 3, fullCoverage: false);
        var time = new ClockWithHook();
        RedisCacheStoreOptions options = ScenarioRunner.Options(cluster.Configuration);
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        options.TimeProvider = time;
        using var store = new RedisCacheStore(options);
        var service = new ClusterService(store);
        Assert.Equal(ClusterService.ValueOf(1), await service.ReadAsync(1)); // run 1: stored in Redis
        RedisServer? node = null;
        foreach (RedisServer candidate in cluster.Nodes)
        {
            node = (await KeysHeldByAsync(cluster, candidate)).Contains(1) ? candidate : node;
        }
        Assert.NotNull(node);

        node.Pause(); // the next read times out and closes the node's gate
        Assert.Equal(ClusterService.ValueOf(1), await service.ReadAsync(1)); // run 2: kept in the outage layer
        Assert.Equal(1, store.UnavailableNodes);
        Assert.Equal(ClusterService.ValueOf(1), await service.ReadAsync(1)); // from the outage layer
        Assert.Equal(2, service.CoreRuns.Count);
        node.Resume();

        bool reopened = false;
        time.OnNextReadByThisThread(() =>
        {
            time.Advance(options.Backoff); // the backoff is over: the health check's timer starts the node's probe
            reopened = SpinWait.SpinUntil(() => store.UnavailableNodes == 0 && store.InProcessCount == 0, TimeSpan.FromSeconds(15));
        });
        Assert.Equal(ClusterService.ValueOf(1), await service.ReadAsync(1));
        Assert.True(reopened, "The node's probe did not reopen its gate.");
        Assert.Equal(2, service.CoreRuns.Count); // Redis answered it: run 1's value
    }

    // A fake clock that runs an action once, on the next read of the time by the arming thread, and answers that read
    // with the time from before the action: the reader goes on as if the action happened just after its read.
    private sealed class ClockWithHook : Microsoft.Extensions.Time.Testing.FakeTimeProvider
    {
        private Action? _hook;
        private int _thread;

        public void OnNextReadByThisThread(Action hook) => (_thread, _hook) = (Environment.CurrentManagedThreadId, hook);

        public override long GetTimestamp()
        {
            long now = base.GetTimestamp();
            if (_hook is { } hook && Environment.CurrentManagedThreadId == _thread)
            {
                _hook = null;
                hook();
            }
            return now;
        }
    }

    // Three masters with a replica each, 16 callers over 600 keys, the local layer off (so a call that ran no ...Core was
    // served by Redis); one master killed with kill -9. Asserts what holds either way: no exception, no wrong value,
    // at most one run per key of the victim during the fault, none after, and the victim's keys back on Redis within
    // 5 s of the promotion.
    private async Task<FailoverRun> KillAMasterUnderLoadAsync(bool fullCoverage)
    {
        await using RedisCluster cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1, fullCoverage: fullCoverage);
        var log = new LogSink();
        using RedisCacheStore store = NewStore(cluster, log);
        var service = new ClusterService(store);
        const int Keys = 600;
        for (int id = 0; id < Keys; id++)
        {
            await service.ReadAsync(id);
        }
        RedisServer victim = cluster.Nodes.First(RedisCluster.IsMaster);
        RedisServer replica = cluster.ReplicaOf(victim);
        Assert.True(await Eventually.TrueAsync(() => cluster.KeysOn(replica) == cluster.KeysOn(victim), TimeSpan.FromSeconds(10)), "The replica did not catch up.");
        HashSet<int> victimKeys = await KeysHeldByAsync(cluster, victim);
        Assert.InRange(victimKeys.Count, Keys / 6, Keys / 2); // about a third of the keys live on each master
        output.WriteLine($"Victim {victim.Port} holds {victimKeys.Count} of {Keys} keys; its replica is {replica.Port}.");

        var clock = Stopwatch.StartNew();
        long killedAt = 0, promotedAt = 0, reopenedAt = 0;
        bool closedSinceKill = false;
        int exceptions = 0, wrongValues = 0, calls = 0, storeGateClosed = 0, nodesClosedMost = 0;
        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        Task[] callers = Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            while (!stop.IsCancellationRequested)
            {
                int id = random.Next(Keys);
                try
                {
                    if (await service.ReadAsync(id) != ClusterService.ValueOf(id))
                    {
                        Interlocked.Increment(ref wrongValues);
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref exceptions);
                    failures.Enqueue(ex.GetType().Name + ": " + ex.Message);
                }
                Interlocked.Increment(ref calls);
                await Task.Delay(1);
            }
        })).ToArray();
        Task watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (store.Status != RedisStatus.Available)
                {
                    Interlocked.Increment(ref storeGateClosed);
                }
                int closedNow = store.UnavailableNodes;
                nodesClosedMost = Math.Max(nodesClosedMost, closedNow);
                long now = clock.ElapsedTicks;
                if (promotedAt == 0 && killedAt != 0 && RedisCluster.IsMaster(replica))
                {
                    promotedAt = now;
                }
                // The reopen that counts is the last: every gate open after the promotion, and none closing after it (a
                // gate can close only once the client has found the dead node, which may be after the promotion). Reads
                // the replica answered until then never left Redis: with no close 3 s after the promotion, that is it.
                if (killedAt != 0 && closedNow > 0)
                {
                    (closedSinceKill, reopenedAt) = (true, 0);
                }
                else if (reopenedAt == 0 && promotedAt != 0)
                {
                    reopenedAt = closedSinceKill ? now : now - promotedAt >= 3 * Stopwatch.Frequency ? promotedAt : 0;
                }
                await Task.Delay(20);
            }
        });

        await Task.Delay(1000);
        long killedStamp = Stopwatch.GetTimestamp();
        killedAt = clock.ElapsedTicks;
        victim.Kill();
        bool recovered = await Eventually.TrueAsync(() => reopenedAt != 0, TimeSpan.FromSeconds(20));
        await Task.Delay(1500); // load after the recovery: the victim's keys come from the promoted replica
        long endStamp = Stopwatch.GetTimestamp();
        stop.Cancel();
        await Task.WhenAll([.. callers, watcher]);
        recovered &= reopenedAt != 0; // and still open at the end

        double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
        long reopenedStamp = killedStamp + (reopenedAt - killedAt);
        (int Id, long At)[] runs = [.. service.CoreRuns.Where(r => r.At >= killedStamp)];
        int otherRuns = runs.Count(r => !victimKeys.Contains(r.Id));
        int otherRunsMostPerKey = runs.Where(r => !victimKeys.Contains(r.Id)).GroupBy(r => r.Id).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        int victimRunsMostPerKey = runs.Where(r => victimKeys.Contains(r.Id) && r.At < reopenedStamp).GroupBy(r => r.Id).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        int victimRunsDuringFault = runs.Count(r => victimKeys.Contains(r.Id) && r.At < reopenedStamp);
        // A call that began 100 ms after the reopen and ran no ...Core came from Redis: the local layer is off, and the
        // outage layer was dropped as the gate reopened.
        int victimRunsAfter = runs.Count(r => victimKeys.Contains(r.Id) && r.At >= reopenedStamp + Stopwatch.Frequency / 10);
        output.WriteLine($"calls {calls}, exceptions {exceptions}, wrong values {wrongValues}; promoted {Seconds(promotedAt - killedAt):0.00} s after the kill, " +
            $"node gate reopened {Seconds(reopenedAt - promotedAt):0.00} s after the promotion; ...Core runs since the kill: victim's keys {victimRunsDuringFault} " +
            $"during the fault (most per key {victimRunsMostPerKey}), {victimRunsAfter} after; other masters' keys {otherRuns}; store gate closed in {storeGateClosed} samples; " +
            $"most node gates closed at once {nodesClosedMost}; after the recovery {Seconds(endStamp - reopenedStamp):0.0} s of load.");
        ReliabilityReport.Write(output, "| scenario | fault | calls | exceptions | wrong values | promotion after the kill | node's keys on Redis again after the promotion | ...Core runs of its keys during the fault | ...Core runs of other masters' keys |\n|---|---|---:|---:|---:|---:|---:|---|---:|",
            $"| cluster failover, full coverage {(fullCoverage ? "on" : "off")} | kill -9 of 1 of 3 masters (each with a replica), 16 callers, 600 keys | " +
            $"{calls} | {exceptions} | {wrongValues} | {Seconds(promotedAt - killedAt):0.0} s | {Seconds(reopenedAt - promotedAt):0.0} s | " +
            $"{victimRunsDuringFault} for {victimKeys.Count} keys (≤ {victimRunsMostPerKey} per key) | {otherRuns} (≤ {otherRunsMostPerKey} per key) |");

        // Keys of the victim that ran more than once before the reopen: when each run began, for the next failure's reader.
        foreach (IGrouping<int, (int Id, long At)> twice in runs.Where(r => victimKeys.Contains(r.Id) && r.At < reopenedStamp).GroupBy(r => r.Id).Where(g => g.Count() > 1).Take(5))
        {
            output.WriteLine($"key {twice.Key} ran at {string.Join(", ", twice.Select(r => $"{Seconds(r.At - killedStamp):0.000} s"))} after the kill; the reopen was seen at {Seconds(reopenedStamp - killedStamp):0.000} s.");
        }
        foreach ((Microsoft.Extensions.Logging.LogLevel level, string message) in log.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Information || e.Message.Contains("probe")).Take(40))
        {
            output.WriteLine($"log {level}: {message}");
        }
        Assert.True(recovered, "The failed node's keys never used Redis again.");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.Equal(0, wrongValues);
        // At most one run per key, the calls in flight as the node died included: a read that failed finds what another
        // kept in the outage layer, and a result whose write failed is kept there.
        Assert.InRange(victimRunsDuringFault, 0, victimKeys.Count);
        Assert.InRange(victimRunsMostPerKey, 0, 1);
        Assert.True(Seconds(reopenedAt - promotedAt) <= 5, $"The node's keys used Redis again {Seconds(reopenedAt - promotedAt):0.00} s after the promotion.");
        Assert.Equal(0, victimRunsAfter);
        int warnings = log.Entries.Count(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        return new FailoverRun(storeGateClosed, nodesClosedMost, otherRuns, otherRunsMostPerKey, warnings);
    }

    // The fault suite's settings, with the client's connect timeout: a cluster connect asks every node for the layout.
    private static RedisCacheStore NewStore(RedisCluster cluster, LogSink log)
    {
        RedisCacheStoreOptions options = ScenarioRunner.Options(cluster.Configuration);
        options.ConnectTimeout = TimeSpan.FromSeconds(2);
        options.Logger = log;
        return new RedisCacheStore(options);
    }

    private sealed record FailoverRun(int StoreGateClosed, int NodesClosedMost, int OtherRuns, int OtherRunsMostPerKey, int Warnings);

    // Which of the service's keys a node holds: each entry's bytes name its value, which names its key.
    private static async Task<HashSet<int>> KeysHeldByAsync(RedisCluster cluster, RedisServer node)
    {
        await using ConnectionMultiplexer direct = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        IDatabase database = direct.GetDatabase();
        var held = new HashSet<int>();
        foreach (string key in cluster.KeyNamesOn(node))
        {
            byte[]? bytes = await database.StringGetAsync(key);
            string text = bytes is null ? "" : Encoding.UTF8.GetString(bytes);
            int at = text.IndexOf("cluster-value-", StringComparison.Ordinal);
            if (at >= 0)
            {
                held.Add(int.Parse(text.AsSpan(at + "cluster-value-".Length, 5)));
            }
        }
        return held;
    }
}
