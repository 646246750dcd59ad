using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ResultCache.Tests.Infrastructure;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace ResultCache.Benchmarks.Staleness;

/// <summary>
/// What callers wait when entries expire: one hot key and 20 keys around it, 16 concurrent callers, TTL 2 s, a
/// <c>...Core</c> of 300 ms, on a real redis-server and on the memory store. Each variant gets the same traffic; the
/// table gives caller latency percentiles and <c>...Core</c> runs, the CSV the hot key's latency over time.
/// Usage: --staleness [--seconds 20] [--out staleness.csv]
/// </summary>
public static class StalenessRun
{
    private const int Callers = 16;
    private const int Keys = 21; // key 0 is the hot one
    public static readonly TimeSpan CoreTime = TimeSpan.FromMilliseconds(300);

    public static async Task RunAsync(string[] args)
    {
        double seconds = Option(args, "--seconds", 20);
        string output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? "staleness.csv";
        await using RedisServer redis = await RedisServer.StartAsync();
        var rows = new List<string> { "store,variant,time_s,hot_max_ms" };
        Console.WriteLine($"{Callers} callers, {seconds} s each, TTL 2 s, ...Core {CoreTime.TotalMilliseconds} ms; latency in ms over every call (hot key: half the calls)");
        Console.WriteLine("| store | variant | calls | p50 | p99 | p99.9 | max | hot-key max | ...Core runs |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (string store in new[] { "memory", "redis" })
        {
            foreach (string variant in new[] { "a: today", "b: RefreshAheadPercent = 80", "c: FusionCache eager refresh 0.8", "d: soft timeout 50 ms + fail-safe" })
            {
                var counter = new CoreCounter();
                (Func<int, Task<int>> call, IDisposable cleanup) = Contender(store, variant, redis, counter);
                using (cleanup)
                {
                    await RunOneAsync(store, variant, call, counter, TimeSpan.FromSeconds(seconds), rows);
                }
            }
        }
        await File.WriteAllLinesAsync(output, rows);
        Console.WriteLine($"Hot key's worst latency per second: {output}");
    }

    private static (Func<int, Task<int>> Call, IDisposable Cleanup) Contender(string store, string variant, RedisServer redis, CoreCounter counter)
    {
        string prefix = "s" + Guid.NewGuid().ToString("N")[..8] + ":";
        if (variant.StartsWith('c'))
        {
            var fusion = new FusionCache(new FusionCacheOptions { CacheKeyPrefix = prefix });
            if (store == "redis")
            {
                fusion.SetupDistributedCache(new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration }), new FusionCacheSystemTextJsonSerializer());
            }
            var entry = new FusionCacheEntryOptions { Duration = TimeSpan.FromSeconds(2), EagerRefreshThreshold = 0.8f };
            return (key => fusion.GetOrSetAsync<int>("k" + key, async (_, ct) => await counter.CoreAsync(key), entry).AsTask(), fusion);
        }
        CacheStore cacheStore = store == "memory" ? new MemoryCacheStore()
            : new RedisCacheStore(new RedisCacheStoreOptions { Configuration = redis.Configuration, KeyPrefix = prefix });
        var service = new StalenessSubjects(cacheStore, counter);
        Func<int, Task<int>> call = variant[0] switch
        {
            'a' => service.TodayAsync,
            'b' => service.RefreshAheadAsync,
            _ => service.SoftTimeoutAsync,
        };
        return (call, cacheStore as IDisposable ?? new Nothing());
    }

    private static async Task RunOneAsync(string store, string variant, Func<int, Task<int>> call, CoreCounter counter, TimeSpan length, List<string> rows)
    {
        // The first fill, all keys at once, is not measured: the question is what happens once a value exists.
        await Task.WhenAll(Enumerable.Range(0, Keys).Select(call));
        int coreBefore = counter.Runs;
        var started = Stopwatch.StartNew();
        var perCaller = new List<(double At, double Ms, bool Hot)>[Callers];
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            var samples = perCaller[caller] = new List<(double, double, bool)>(1 << 16);
            while (started.Elapsed < length)
            {
                int key = random.Next(2) == 0 ? 0 : 1 + random.Next(Keys - 1);
                long begin = Stopwatch.GetTimestamp();
                await call(key);
                samples.Add((started.Elapsed.TotalSeconds, Stopwatch.GetElapsedTime(begin).TotalMilliseconds, key == 0));
                await Task.Delay(1); // a request rate near 1 000 a second per caller, not a spin
            }
        })));
        var all = perCaller.SelectMany(s => s).ToList();
        double[] sorted = all.Select(s => s.Ms).Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        double hotMax = all.Where(s => s.Hot).Max(s => s.Ms);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {store} | {variant} | {sorted.Length} | {P(0.5):0.00} | {P(0.99):0.00} | {P(0.999):0.00} | {sorted[^1]:0.0} | {hotMax:0.0} | {counter.Runs - coreBefore} |"));
        foreach (var second in all.Where(s => s.Hot).GroupBy(s => (int)(s.At * 10)).OrderBy(g => g.Key))
        {
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{store},{variant},{second.Key / 10.0:0.0},{second.Max(s => s.Ms):0.00}"));
        }
    }

    private static double Option(string[] args, string name, double fallback) =>
        args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private sealed class Nothing : IDisposable
    {
        public void Dispose()
        {
        }
    }
}

/// <summary>Counts <c>...Core</c> runs, each taking <see cref="StalenessRun.CoreTime"/>.</summary>
public sealed class CoreCounter
{
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    public async Task<int> CoreAsync(int key)
    {
        Interlocked.Increment(ref _runs);
        await Task.Delay(StalenessRun.CoreTime);
        return key;
    }
}

/// <summary>The same 300 ms query cached three ways.</summary>
public sealed partial class StalenessSubjects(CacheStore store, CoreCounter counter)
{
    private CacheStore CacheStore => store;

    [CacheResult(2)]
    public partial Task<int> TodayAsync(int key);

    [CacheResult(2, RefreshAheadPercent = 80)]
    public partial Task<int> RefreshAheadAsync(int key);

    [CacheResult(2, FailSafeSeconds = 60, SoftTimeoutMilliseconds = 50)]
    public partial Task<int> SoftTimeoutAsync(int key);

    private Task<int> TodayAsyncCore(int key) => counter.CoreAsync(key);

    private Task<int> RefreshAheadAsyncCore(int key) => counter.CoreAsync(key);

    private Task<int> SoftTimeoutAsyncCore(int key) => counter.CoreAsync(key);
}
