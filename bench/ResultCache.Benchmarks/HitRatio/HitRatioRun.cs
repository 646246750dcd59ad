using System.Diagnostics;

namespace ResultCache.Benchmarks.HitRatio;

/// <summary>
/// Replays each trace through each cache at one fixed capacity and prints the hit ratios as a Markdown table.
/// Run: <c>dotnet run -c Release --project bench/ResultCache.Benchmarks -- --hit-ratio</c>.
/// </summary>
public static class HitRatioRun
{
    public const int Capacity = 10_000;
    public const int Requests = 2_000_000;

    public static void Run()
    {
        (string Name, long[] Keys)[] traces =
        [
            ("Zipf 0.9, 1 M keys", Traces.Zipf(Requests)),
            ("Zipf 0.9 + one-off scans, half and half", Traces.ZipfWithScans(Requests)),
            ("shifting hot set", Traces.ShiftingHotSet(Requests)),
        ];
        Func<int, IContender>[] contenders =
        [
            c => new ResultCacheContender(c),
            BitFasterContender.Lfu,
            BitFasterContender.Lru,
            c => new MemoryCacheContender(c),
            c => new ExactLruContender(c),
        ];

        Console.WriteLine($"Hit ratio, capacity {Capacity:N0} entries, {Requests:N0} requests per trace");
        Console.WriteLine();
        Console.WriteLine("| cache | " + string.Join(" | ", traces.Select(t => t.Name)) + " |");
        Console.WriteLine("|---|" + string.Concat(traces.Select(_ => "---:|")));
        foreach (Func<int, IContender> create in contenders)
        {
            string name = create(Capacity).Name;
            var cells = new List<string>();
            foreach ((_, long[] keys) in traces)
            {
                IContender cache = create(Capacity);
                var clock = Stopwatch.StartNew();
                long hits = 0;
                foreach (long key in keys)
                {
                    hits += cache.Request(key) ? 1 : 0;
                }
                cells.Add($"{100.0 * hits / keys.Length:F1} %");
                Console.Error.WriteLine($"{name}: {clock.Elapsed.TotalSeconds:F1} s");
            }
            Console.WriteLine($"| {name} | {string.Join(" | ", cells)} |");
        }
    }
}
