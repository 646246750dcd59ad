using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace ResultCache.Benchmarks;

/// <summary>
/// What BenchmarkDotNet's iteration means do not show: each call's latency (p50 and p99 of single hits and misses,
/// timed one by one) and the bytes each contender's entry takes in Redis (<c>MEMORY USAGE</c>), per result size.
/// Run with <c>--large-values</c>; prints Markdown tables.
/// </summary>
public static class LargeValueRun
{
    private static readonly int[] s_sizes = [100, 10_000, 100_000, 1_000_000];

    private static readonly (string Name, string KeyPattern, Func<PayloadContenders, int, int, Task<Catalog>> Call)[] s_contenders =
    [
        ("Hand-written StackExchange.Redis", "hw:*", (c, size, page) => c.HandWritten(size, page)),
        ("IDistributedCache", "dist:*", (c, size, page) => c.DistributedCache(size, page)),
        ("FusionCache", "*fusion:*", (c, size, page) => c.FusionCache(size, page).AsTask()),
        ("HybridCache", "hybrid:*", (c, size, page) => c.HybridCache(size, page).AsTask()),
        ("ResultCache", "rc:*", (c, size, page) => c.ResultCache(size, page)),
        ("ResultCache, compression off", "rcu:*", (c, size, page) => c.ResultCache_Uncompressed(size, page)),
    ];

    public static async Task RunAsync()
    {
        await using PayloadContenders contenders = await PayloadContenders.StartAsync();
        IServer server = contenders.Redis.AdminServer;
        var latency = new List<string>();
        var bytes = new List<string>();
        foreach (int size in s_sizes)
        {
            // Fewer calls for larger results, so that each size takes seconds, not minutes.
            int calls = size >= 1_000_000 ? 200 : size >= 100_000 ? 1_000 : 4_000;
            foreach ((string name, string pattern, Func<PayloadContenders, int, int, Task<Catalog>> call) in s_contenders)
            {
                await call(contenders, size, 0);
                (double hitMean, double hitP50, double hitP99, long hitBytes) = await TimeAsync(calls, _ => call(contenders, size, 0));

                // Before the misses: the contender's one entry so far is the one its hits read.
                RedisKey[] keys = server.Keys(pattern: pattern).ToArray();
                RedisKey entry = keys.Length == 1 ? keys[0] : throw new InvalidOperationException($"{name} wrote {keys.Length} keys: {string.Join(", ", keys)}");
                long usage = (long)await contenders.Redis.Admin.ExecuteAsync("MEMORY", "USAGE", entry.ToString(), "SAMPLES", "0");
                long length = await contenders.Redis.Admin.KeyTypeAsync(entry) == RedisType.Hash
                    ? (long)await contenders.Redis.Admin.ExecuteAsync("HSTRLEN", entry.ToString(), "data") // IDistributedCache stores a hash
                    : await contenders.Redis.Admin.StringLengthAsync(entry);
                bytes.Add($"| {size:N0} | {name} | {length:N0} | {usage:N0} |");

                int page = 1;
                (double missMean, _, double missP99, long missBytes) = await TimeAsync(calls / 4, _ => call(contenders, size, page++));
                latency.Add($"| {size:N0} | {name} | {hitMean:F1} | {hitP50:F1} | {hitP99:F1} | {Kb(hitBytes)} | {missMean:F1} | {missP99:F1} | {Kb(missBytes)} |");
            }
            await server.FlushAllDatabasesAsync();
        }
        Console.WriteLine("| Size (B of JSON) | Contender | Hit mean µs | Hit p50 µs | Hit p99 µs | Hit alloc KB | Miss mean µs | Miss p99 µs | Miss alloc KB |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        latency.ForEach(Console.WriteLine);
        Console.WriteLine();
        Console.WriteLine("| Size (B of JSON) | Contender | Value bytes | MEMORY USAGE bytes |");
        Console.WriteLine("|---:|---|---:|---:|");
        bytes.ForEach(Console.WriteLine);
    }

    private static async Task<(double Mean, double P50, double P99, long BytesPerCall)> TimeAsync(int calls, Func<int, Task<Catalog>> call)
    {
        var times = new double[calls];
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await call(i);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        long perCall = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / calls;
        Array.Sort(times);
        return (times.Average(), times[calls / 2], times[Math.Min(calls - 1, (int)Math.Ceiling(calls * 0.99) - 1)], perCall);
    }

    private static string Kb(long bytes) => (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture);
}
