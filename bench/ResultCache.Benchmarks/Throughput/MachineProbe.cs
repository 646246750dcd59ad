using System.Diagnostics;

namespace ResultCache.Benchmarks.Throughput;

/// <summary>
/// What a machine gives a second thread before any cache is involved: the same loops on 1 and on 2 threads, sharing
/// nothing (each thread's own counter on a line of its own), then sharing what caches share (one counter; random writes
/// to one large array). Where the unshared loops do not double, no cache's writes can either.
/// </summary>
public static class MachineProbe
{
    private const int Iterations = 20_000_000;

    public static void Run()
    {
        var counters = new long[64];
        var large = new long[1 << 20]; // 8 MB: past the caches of one core
        Console.WriteLine($"{Environment.ProcessorCount} cores; ns per operation on each thread, {Iterations:N0} operations a thread");
        Console.WriteLine("| loop | 1 thread | 2 threads |");
        Console.WriteLine("|---|---:|---:|");
        Row("Interlocked.Increment, a line of its own", thread => Loop(() => Interlocked.Increment(ref counters[thread * 16])));
        Row("Interlocked.Increment, one shared line", _ => Loop(() => Interlocked.Increment(ref counters[0])));
        Row("random writes to an 8 MB array", thread =>
        {
            var random = new Random(thread);
            Loop(() => large[random.Next(large.Length)]++);
        });
    }

    private static void Loop(Action step)
    {
        for (int i = 0; i < Iterations; i++)
        {
            step();
        }
    }

    private static void Row(string name, Action<int> body) =>
        Console.WriteLine($"| {name} | {NanosecondsPerOperation(1, body):F1} | {NanosecondsPerOperation(2, body):F1} |");

    private static double NanosecondsPerOperation(int threads, Action<int> body)
    {
        var workers = new Thread[threads];
        var clock = Stopwatch.StartNew();
        for (int t = 0; t < threads; t++)
        {
            int thread = t;
            workers[t] = new Thread(() => body(thread));
            workers[t].Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }
        return clock.Elapsed.TotalMilliseconds * 1e6 / Iterations;
    }
}
