using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Benchmarks.Soak;

/// <summary>
/// A steady load held long enough to show drift: 64 callers on a real redis-server, the local layer on, 50 000
/// documents of 100 B to 50 KB (read with a skew: a few are hot), 10 % of calls one-off searches that miss, and 4
/// invalidations a second (an id, then a group's tag). Every 10 s it records throughput, latency, managed memory after a
/// full GC, RSS, threads and Redis connections, then checks the pass rules (docs/reliability.md, "Soak").
/// Usage: --soak [--seconds 90] [--out soak.csv]; exits with 1 when a rule fails.
/// </summary>
public static class SoakRun
{
    private const int Callers = 64;
    private const int Documents = 50_000;
    private const double SearchShare = 0.10;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan InvalidationEvery = TimeSpan.FromMilliseconds(250);

    public static async Task<int> RunAsync(string[] args)
    {
        int seconds = int.Parse(args.SkipWhile(a => a != "--seconds").Skip(1).FirstOrDefault() ?? "90", CultureInfo.InvariantCulture);
        string output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? "soak.csv";
        await using RedisServer redis = await RedisServer.StartAsync();
        var log = new WarningCounter();
        using var store = new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration,
            LocalCache = new LocalCacheOptions(),
            Logger = log,
        });
        var documents = new SoakDocuments(store);

        var warmup = Stopwatch.StartNew();
        await Parallel.ForAsync(0L, Documents, new ParallelOptions { MaxDegreeOfParallelism = Callers },
            async (id, _) => await documents.GetAsync(id, Group(id)));
        Console.WriteLine($"{Documents} documents written in {warmup.Elapsed.TotalSeconds:F1} s; {Callers} callers for {seconds} s, {Environment.ProcessorCount} cores");

        var load = new Load(documents);
        using var stop = new CancellationTokenSource();
        Task[] callers = Enumerable.Range(0, Callers).Select(caller => load.CallerAsync(caller, stop.Token)).ToArray();
        Task invalidations = InvalidateAsync(store, documents, stop.Token);

        var windows = new List<WindowFigures>();
        var clock = Stopwatch.StartNew();
        Console.WriteLine("| at | calls/s | p50 ms | p99 ms | max ms | misses % | managed MB after GC | RSS MB | threads | Redis connections | exceptions | wrong values |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int w = 1; w * Window.TotalSeconds <= seconds; w++)
        {
            TimeSpan due = w * Window - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }
            WindowFigures figures = await load.CloseWindowAsync(clock.Elapsed, redis);
            windows.Add(figures);
            Console.WriteLine(figures.Row());
        }
        stop.Cancel();
        await Task.WhenAll(callers.Append(invalidations));

        await File.WriteAllLinesAsync(output, windows.Select(w => w.Csv()).Prepend(WindowFigures.CsvHeader));
        Console.WriteLine($"Per window: {output}. Warnings logged: {log.Warnings}{(log.First is null ? "" : $" (first: {log.First})")}");
        return Judge(windows, log.Warnings) ? 0 : 1;
    }

    private static int Group(long id) => (int)(id % SoakDocuments.Groups);

    private static async Task InvalidateAsync(RedisCacheStore store, SoakDocuments documents, CancellationToken stop)
    {
        var random = new Random(11);
        using var ticks = new PeriodicTimer(InvalidationEvery);
        for (long tick = 0; await ticks.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested; tick++)
        {
            long id = random.NextInt64(Documents);
            if (tick % 2 == 0)
            {
                await documents.InvalidateGetAsync(id, Group(id));
            }
            else
            {
                await store.InvalidateTagAsync($"group:{Group(id)}");
            }
        }
    }

    // The rules written beside the table in docs/reliability.md. The first window holds the start (JIT, the local
    // layer filling, the thread pool growing); drift is the last three windows against windows 2 to 4, by their highest
    // (memory) or their mean (throughput), so one noisy window on a shared machine neither hides nor fakes a trend.
    private static bool Judge(List<WindowFigures> windows, long warnings)
    {
        if (windows.Count < 6)
        {
            Console.WriteLine("FAIL: too short to judge; run at least 60 s.");
            return false;
        }
        List<WindowFigures> steady = windows.Skip(1).ToList(), early = windows.Skip(1).Take(3).ToList(), late = windows.TakeLast(3).ToList();
        double median = steady.Select(w => w.CallsPerSecond).Order().ElementAt(steady.Count / 2);
        (string Rule, bool Passed)[] rules =
        [
            ("no exception reached a caller, no caller got a wrong value",
                windows.Sum(w => w.Exceptions) == 0 && windows.Sum(w => w.WrongValues) == 0),
            ("no warning logged", warnings == 0),
            ("throughput: no window under 70 % of the median window", steady.All(w => w.CallsPerSecond >= 0.7 * median)),
            ("throughput: the last three windows' mean at least 80 % of windows 2-4's",
                late.Average(w => w.CallsPerSecond) >= 0.8 * early.Average(w => w.CallsPerSecond)),
            ("p99 of every window under 50 ms", steady.All(w => w.P99 < 50)),
            ("no call over 1 s", windows.All(w => w.Max < 1000)),
            ("managed memory after GC: the last three windows' highest within 10 % (+16 MB) of windows 2-4's",
                late.Max(w => w.ManagedMb) <= early.Max(w => w.ManagedMb) * 1.10 + 16),
            // RSS swings by a fifth between windows as the large-object heap (bodies over 42 500 characters) grows and
            // is given back; managed memory after a full GC is the precise leak check, this one catches native growth.
            ("RSS: the last three windows' highest within 25 % of windows 2-4's", late.Max(w => w.RssMb) <= early.Max(w => w.RssMb) * 1.25),
            ("threads: at most 8 more in any window than in the second", steady.All(w => w.Threads <= windows[1].Threads + 8)),
            ("Redis connections the same in every window", windows.All(w => w.Connections == windows[0].Connections)),
        ];
        foreach ((string rule, bool passed) in rules)
        {
            Console.WriteLine($"{(passed ? "PASS" : "FAIL")}: {rule}");
        }
        return rules.All(r => r.Passed);
    }

    /// <summary>The callers, and what they saw since the last window closed.</summary>
    private sealed class Load(SoakDocuments documents)
    {
        private readonly List<double>[] _latencies = Enumerable.Range(0, Callers).Select(_ => new List<double>()).ToArray();
        private long _calls, _exceptions, _wrongValues, _nextSearch, _callsBefore;
        private long _coreRunsBefore = documents.CoreRuns; // the warm-up's

        public async Task CallerAsync(int caller, CancellationToken stop)
        {
            await Task.Yield();
            var random = new Random(caller);
            List<double> latencies = _latencies[caller];
            while (!stop.IsCancellationRequested)
            {
                bool search = random.NextDouble() < SearchShare;
                // Searches are never repeated: each one misses. Documents are read with a skew: the 10 % lowest ids get
                // almost half of the reads.
                long id = search ? Interlocked.Increment(ref _nextSearch) : (long)(Documents * Math.Pow(random.NextDouble(), 3));
                long started = Stopwatch.GetTimestamp();
                try
                {
                    SoakDocument document = search ? await documents.SearchAsync(id) : await documents.GetAsync(id, Group(id));
                    if (!SoakDatabase.IsRight(id, document))
                    {
                        Interlocked.Increment(ref _wrongValues);
                    }
                }
                catch (Exception ex)
                {
                    if (Interlocked.Increment(ref _exceptions) == 1)
                    {
                        Console.WriteLine($"First exception: {ex}");
                    }
                }
                double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(ms);
                }
                Interlocked.Increment(ref _calls);
            }
        }

        public async Task<WindowFigures> CloseWindowAsync(TimeSpan at, RedisServer redis)
        {
            var all = new List<double>();
            foreach (List<double> latencies in _latencies)
            {
                lock (latencies)
                {
                    all.AddRange(latencies);
                    latencies.Clear();
                }
            }
            all.Sort();
            long calls = Interlocked.Read(ref _calls), coreRuns = documents.CoreRuns;
            long windowCalls = calls - _callsBefore, windowCoreRuns = coreRuns - _coreRunsBefore;
            (_callsBefore, _coreRunsBefore) = (calls, coreRuns);
            double Percentile(double p) => all.Count == 0 ? 0 : all[Math.Min(all.Count - 1, (int)(p * all.Count))];
            long managed = GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            return new WindowFigures(
                At: at.TotalSeconds,
                CallsPerSecond: windowCalls / Window.TotalSeconds,
                P50: Percentile(0.50),
                P99: Percentile(0.99),
                Max: all.Count == 0 ? 0 : all[^1],
                MissPercent: windowCalls == 0 ? 0 : 100.0 * windowCoreRuns / windowCalls,
                ManagedMb: managed / 1048576.0,
                RssMb: Environment.WorkingSet / 1048576.0,
                Threads: process.Threads.Count,
                Connections: await redis.ConnectedClientsAsync(),
                Exceptions: Interlocked.Exchange(ref _exceptions, 0),
                WrongValues: Interlocked.Exchange(ref _wrongValues, 0));
        }
    }

    private sealed record WindowFigures(double At, double CallsPerSecond, double P50, double P99, double Max, double MissPercent,
        double ManagedMb, double RssMb, int Threads, long Connections, long Exceptions, long WrongValues)
    {
        public const string CsvHeader = "at_s,calls_per_s,p50_ms,p99_ms,max_ms,miss_percent,managed_mb_after_gc,rss_mb,threads,redis_connections,exceptions,wrong_values";

        public string Row() => string.Create(CultureInfo.InvariantCulture,
            $"| {At:F0} s | {CallsPerSecond:N0} | {P50:F2} | {P99:F2} | {Max:F1} | {MissPercent:F1} | {ManagedMb:F0} | {RssMb:F0} | {Threads} | {Connections} | {Exceptions} | {WrongValues} |");

        public string Csv() => string.Create(CultureInfo.InvariantCulture,
            $"{At:F1},{CallsPerSecond:F0},{P50:F3},{P99:F3},{Max:F2},{MissPercent:F2},{ManagedMb:F1},{RssMb:F1},{Threads},{Connections},{Exceptions},{WrongValues}");
    }

    /// <summary>Counts what the store logs at Warning or above; a soak that logs warnings did not run clean.</summary>
    private sealed class WarningCounter : ILogger
    {
        private long _warnings;

        public long Warnings => Interlocked.Read(ref _warnings);

        public string? First { get; private set; }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning && Interlocked.Increment(ref _warnings) == 1)
            {
                First = formatter(state, exception);
            }
        }
    }
}
