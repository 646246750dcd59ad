using System.Diagnostics;
using ResultCache.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ResultCache.Tests.Reliability;

/// <summary>Many fault/heal cycles in a row leave nothing behind: connections, threads or memory.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class FlapTests(ITestOutputHelper output)
{
    /// <summary>Set to run more (or fewer) cycles than the 100 the suite runs by default.</summary>
    public const string CyclesVariable = "RESULTCACHE_FLAP_CYCLES";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    // 30 KB a cycle over the default 50 cycles a half: a retired client, or a log entry kept per flap, is more.
    private const long LeakPerHalf = 1_536 * 1024;

    [Fact]
    public async Task Fault_and_heal_cycles_leak_no_connections_threads_or_memory()
    {
        int cycles = int.TryParse(Environment.GetEnvironmentVariable(CyclesVariable), out int configured) ? configured : 100;
        await using RedisServer redis = await RedisServer.StartAsync();
        await using FaultProxy proxy = FaultProxy.Start(redis.Port);
        RedisCacheStoreOptions options = ScenarioRunner.Options(proxy.Configuration);
        options.Backoff = TimeSpan.FromMilliseconds(200);
        options.OperationTimeout = TimeSpan.FromMilliseconds(500);
        using var store = new RedisCacheStore(options);
        var service = new ReliabilityService(store);

        // Ten cycles first, so one-time costs (JIT, buffer pools, thread-pool growth) are in the baseline.
        for (int i = 0; i < 10; i++)
        {
            await FlapAsync(proxy, store, service);
        }
        await SettleAsync(redis, options, expectedClients: 2);
        (long clients, int threads, long memory) baseline = await MeasureAsync(redis);

        // Two halves: a leak grows in both, while a one-off wobble of the process's memory (buffer pools trimmed or
        // filled, or what earlier tests left behind) lands in one.
        var elapsed = Stopwatch.StartNew();
        for (int i = 0; i < cycles / 2; i++)
        {
            await FlapAsync(proxy, store, service);
        }
        await SettleAsync(redis, options, baseline.clients);
        long halfway = LiveMemory.Bytes();
        for (int i = cycles / 2; i < cycles; i++)
        {
            await FlapAsync(proxy, store, service);
        }
        elapsed.Stop();
        await SettleAsync(redis, options, baseline.clients);
        (long clients, int threads, long memory) after = await MeasureAsync(redis);

        ReliabilityReport.Write(output,
            "| cycles | time | server clients before → after | process threads before → after | managed memory before → halfway → after |\n|---:|---:|---|---|---|",
            $"| {cycles} | {elapsed.Elapsed.TotalSeconds:0.0} s | {baseline.clients} → {after.clients} | {baseline.threads} → {after.threads} | " +
            $"{Mb(baseline.memory)} → {Mb(halfway)} → {Mb(after.memory)} |");
        // A leak grows with the cycles (a connection, a thread or a client per flap); pools only wobble.
        Assert.Equal(baseline.clients, after.clients);
        Assert.InRange(after.threads, 0, baseline.threads + 8);
        long grewFirst = halfway - baseline.memory, grewSecond = after.memory - halfway;
        Assert.True(Math.Min(grewFirst, grewSecond) < LeakPerHalf,
            $"Managed memory grew in both halves: {Mb(grewFirst)}, then {Mb(grewSecond)}, over {cycles / 2} cycles each.");
    }

    // RST every connection, see the gate close, heal, see it reopen and serve a Redis hit.
    private static async Task FlapAsync(FaultProxy proxy, RedisCacheStore store, ReliabilityService service)
    {
        proxy.Reset();
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await service.ReadAsync(1);
            return store.Status != RedisStatus.Available;
        }, Limit), "The gate did not close after the connections were reset.");
        proxy.Pass();
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await service.ReadAsync(1);
            return store.Status == RedisStatus.Available && !await service.ReadAndTellIfCoreRanAsync(1);
        }, Limit), "Caching did not resume after the proxy healed.");
    }

    // Replaced connections are disposed an operation timeout plus a second after their fault.
    private static async Task SettleAsync(RedisServer redis, RedisCacheStoreOptions options, long expectedClients) =>
        await Eventually.TrueAsync(async () => await redis.ConnectedClientsAsync() <= expectedClients, options.OperationTimeout + TimeSpan.FromSeconds(5));

    private static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:0.00} MB";

    private static async Task<(long Clients, int Threads, long Memory)> MeasureAsync(RedisServer redis)
    {
        long memory = LiveMemory.Bytes();
        using var process = Process.GetCurrentProcess();
        return (await redis.ConnectedClientsAsync(), process.Threads.Count, memory);
    }
}
