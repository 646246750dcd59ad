using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ResultCache.Benchmarks.Throughput;

/// <summary>
/// Calls per second, all threads together, of every contender on each workload at each thread count: each cell is a
/// fresh cache, filled (hits), warmed, then run for the same time, the median of <c>--repeat</c> runs (a shared machine
/// moves single runs by tens of percent). Also the hit ratio and the bytes allocated per call. Each run of a contender
/// on a workload is a process of its own: in a shared one, the JIT's profile of the first contender decides what the
/// measuring loop inlines for all of them, and one process's memory layout would stand for every run.
/// <code>
/// dotnet run -c Release --project bench/ResultCache.Benchmarks -- --throughput [--threads 1,2,4,8,16] [--seconds 1.5]
///     [--repeat 3] [--workloads hits,churn,hot] [--contenders floor,ResultCache] [--out throughput.csv]
/// </code>
/// Writes a CSV (workload, threads, contender, Mops/s, scaling against 1 thread, hit ratio, bytes per call) and prints
/// the Markdown table; <c>bench/plot-throughput.py</c> draws one chart per workload from the CSV.
/// </summary>
public static class ThroughputRun
{
    public static void Run(string[] args)
    {
        int[] threadCounts = [.. Option(args, "--threads", "1,2").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture))];
        double seconds = double.Parse(Option(args, "--seconds", "1.5"), CultureInfo.InvariantCulture);
        int repeat = int.Parse(Option(args, "--repeat", "3"), CultureInfo.InvariantCulture);
        string[] workloads = Option(args, "--workloads", "hits,churn,hot").Split(',');
        string? only = args.Contains("--contenders") ? Option(args, "--contenders", "") : null;
        string output = Option(args, "--out", "throughput.csv");

        string[] contenders = [.. Contender.All.Select(c => c.Name).Where(c => only is null || only.Split(',').Contains(c))];
        bool child = args.Contains("--child");
        if (!child)
        {
            Console.WriteLine($"{Environment.ProcessorCount} cores, {RuntimeInformationText()}, server GC: {System.Runtime.GCSettings.IsServerGC}, {seconds} s per run, median of {repeat}");
        }
        var rows = new List<Row>();
        if (!child && workloads.Length * contenders.Length > 1)
        {
            foreach (string name in workloads)
            {
                foreach (string contender in contenders)
                {
                    // The median of runs in separate processes: a process's own memory layout and JIT choices move a run more than anything else.
                    Row[] runs = [.. Enumerable.Range(0, repeat).SelectMany(_ => RunChild(args, name, contender))];
                    foreach (int threads in threadCounts)
                    {
                        Row[] cell = [.. runs.Where(r => r.Threads == threads).OrderBy(r => r.Mops)];
                        Row row = cell[cell.Length / 2];
                        Row? single = rows.FirstOrDefault(r => r.Workload == name && r.Contender == contender && r.Threads == 1);
                        rows.Add(row with { Scaling = single is null ? 1 : row.Mops / single.Mops });
                        Console.WriteLine($"{name,-6} {threads,3} threads  {contender,-24} {row.Mops,9:F2} Mops/s  x{rows[^1].Scaling:F2}  hits {row.HitRatio:P1}  {row.BytesPerCall,7:F1} B/call");
                    }
                }
            }
            Report(rows, workloads, threadCounts, output);
            return;
        }
        foreach (string name in workloads)
        {
            Workload workload = Workload.ByName(name);
            foreach (int threads in threadCounts)
            {
                foreach ((string contender, Func<int, Contender> create) in Contender.All.Where(c => contenders.Contains(c.Name)))
                {
                    // A fresh cache for every run, and a full collection between runs, so no run pays for another's garbage.
                    Row[] runs = [.. Enumerable.Range(0, repeat).Select(_ =>
                    {
                        Contender cache = create(workload.Capacity);
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                        return Measure(cache, workload, threads, seconds);
                    }).OrderBy(r => r.Mops)];
                    Row row = runs[runs.Length / 2];
                    Row? single = rows.FirstOrDefault(r => r.Workload == name && r.Contender == contender && r.Threads == 1);
                    row = row with { Scaling = single is null ? 1 : row.Mops / single.Mops };
                    rows.Add(row);
                    if (!child)
                    {
                        Console.WriteLine($"{name,-6} {threads,3} threads  {contender,-24} {row.Mops,9:F2} Mops/s  x{row.Scaling:F2}  hits {row.HitRatio:P1}  {row.BytesPerCall,7:F1} B/call");
                    }
                }
            }
        }
        if (child)
        {
            File.WriteAllText(output, Csv(rows));
            return;
        }
        Report(rows, workloads, threadCounts, output);
    }

    private static void Report(List<Row> rows, string[] workloads, int[] threadCounts, string output)
    {
        File.WriteAllText(output, Csv(rows));
        Console.WriteLine();
        Console.WriteLine(Markdown(rows, workloads, threadCounts));
        Console.WriteLine($"CSV: {Path.GetFullPath(output)}");
    }

    // This program again, for one workload and one contender; its rows come back through a CSV of its own.
    private static IEnumerable<Row> RunChild(string[] args, string workload, string contender)
    {
        string csv = Path.GetTempFileName();
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]); // run as "dotnet X.dll": the DLL's path
        }
        string[] replaced = ["--workloads", "--contenders", "--out", "--repeat"];
        for (int i = 0; i < args.Length; i++)
        {
            if (replaced.Contains(args[i]))
            {
                i++;
                continue;
            }
            start.ArgumentList.Add(args[i]);
        }
        foreach (string arg in (string[])["--workloads", workload, "--contenders", contender, "--out", csv, "--repeat", "1", "--child"])
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The run of {contender} on {workload} failed with exit code {process.ExitCode}.");
        }
        Row[] rows = [.. File.ReadAllLines(csv).Skip(1).Select(Row.Parse)];
        File.Delete(csv);
        return rows;
    }

    private static Row Measure(Contender cache, Workload workload, int threads, double seconds)
    {
        if (workload.Name == "hits")
        {
            foreach (int id in workload.Ids.Distinct())
            {
                cache.Get(id); // every key held before the clock starts
            }
        }
        Run(cache, workload, threads, 1.0); // warm: a fresh process needs its JIT tiers, and churn its steady state
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        (long calls, long misses, TimeSpan elapsed) = Run(cache, workload, threads, seconds);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new Row(workload.Name, threads, cache.Name, calls / elapsed.TotalSeconds / 1e6, 1, 1 - ((double)misses / calls), (double)allocated / calls);
    }

    // Each thread walks the id stream from its own offset; the clock stops when the last thread has seen the stop flag.
    private static (long Calls, long Misses, TimeSpan Elapsed) Run(Contender cache, Workload workload, int threads, double seconds)
    {
        long total = 0;
        long totalMisses = 0;
        bool stop = false;
        using var start = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int offset = t * (workload.Ids.Length / threads);
            workers[t] = new Thread(() =>
            {
                int[] ids = workload.Ids;
                int next = offset;
                long calls = 0;
                long missesBefore = Contender.ThreadMisses;
                start.SignalAndWait();
                while (!Volatile.Read(ref stop))
                {
                    for (int i = 0; i < 1024; i++)
                    {
                        cache.Get(ids[next]);
                        next = next + 1 == ids.Length ? 0 : next + 1;
                    }
                    calls += 1024;
                }
                Interlocked.Add(ref total, calls);
                Interlocked.Add(ref totalMisses, Contender.ThreadMisses - missesBefore);
            }) { IsBackground = true };
            workers[t].Start();
        }
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref stop, true);
        foreach (Thread worker in workers)
        {
            worker.Join();
        }
        return (total, totalMisses, clock.Elapsed);
    }

    private static string Csv(List<Row> rows)
    {
        var csv = new StringBuilder("workload,threads,contender,mops,scaling,hit_ratio,bytes_per_call\n");
        foreach (Row r in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{r.Workload},{r.Threads},{r.Contender},{r.Mops:F3},{r.Scaling:F3},{r.HitRatio:F4},{r.BytesPerCall:F1}\n");
        }
        return csv.ToString();
    }

    private static string Markdown(List<Row> rows, string[] workloads, int[] threadCounts)
    {
        string[] contenders = [.. rows.Select(r => r.Contender).Distinct()];
        var table = new StringBuilder("| workload | threads | " + string.Join(" | ", contenders) + " |\n|---|---:|" + string.Concat(contenders.Select(_ => "---:|")) + "\n");
        foreach (string workload in workloads)
        {
            foreach (int threads in threadCounts)
            {
                table.Append(CultureInfo.InvariantCulture, $"| {workload} | {threads} |");
                foreach (string contender in contenders)
                {
                    Row? r = rows.FirstOrDefault(x => x.Workload == workload && x.Threads == threads && x.Contender == contender);
                    table.Append(r is null ? " |" : string.Create(CultureInfo.InvariantCulture, $" {r.Mops:F2} (x{r.Scaling:F2}, {r.HitRatio:P0}, {r.BytesPerCall:F0} B) |"));
                }
                table.Append('\n');
            }
        }
        return table.ToString();
    }

    private static string Option(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }

    private static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription + " " +
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture;

    private sealed record Row(string Workload, int Threads, string Contender, double Mops, double Scaling, double HitRatio, double BytesPerCall)
    {
        public static Row Parse(string line)
        {
            string[] f = line.Split(',');
            double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            return new Row(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f[2], D(3), D(4), D(5), D(6));
        }
    }
}
