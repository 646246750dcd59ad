using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Full run:  dotnet run -c Release --project bench/ResultCache.Benchmarks -- --filter '*'
// Short run: add --quick (in-process, few iterations: minutes instead of an hour; ratios are rougher).
// Hit ratios: --hit-ratio (a plain replay of fixed traces, not BenchmarkDotNet).
// Throughput on many cores: --throughput [--threads 1,2,4,8,16] (Throughput/ThroughputRun.cs); --machine-probe first
// says what the machine gives a second thread at all (Throughput/MachineProbe.cs).
// Large values: --large-values (per-call p50/p99 and MEMORY USAGE per entry, not BenchmarkDotNet).
// Expiry stalls: --staleness [--seconds 20] [--out staleness.csv] (Staleness/StalenessRun.cs): what callers wait when a
// hot entry expires, today, with refresh-ahead, with FusionCache's eager refresh, and with a soft timeout.
// Batch calls: --batch-counts prints Redis commands and core calls per batch of 100 (the timings are BenchmarkDotNet's
// --filter '*BatchBenchmarks*').
// Soak: --soak [--seconds 90] [--out soak.csv] (Soak/SoakRun.cs): a steady load on Redis with the local layer, figures
// every 10 s and the pass rules of docs/reliability.md; exits with 1 when one fails.
if (args.Contains("--soak"))
{
    Environment.ExitCode = await ResultCache.Benchmarks.Soak.SoakRun.RunAsync(args);
    return;
}
if (args.Contains("--batch-counts"))
{
    await ResultCache.Benchmarks.Batch.BatchBenchmarks.CountAsync();
    return;
}
if (args.Contains("--staleness"))
{
    await ResultCache.Benchmarks.Staleness.StalenessRun.RunAsync(args);
    return;
}
if (args.Contains("--hit-ratio"))
{
    ResultCache.Benchmarks.HitRatio.HitRatioRun.Run();
    return;
}
if (args.Contains("--machine-probe"))
{
    ResultCache.Benchmarks.Throughput.MachineProbe.Run();
    return;
}
// Throughput: calls per second from many threads, per workload and thread count (a plain harness, not BenchmarkDotNet).
if (args.Contains("--throughput"))
{
    ResultCache.Benchmarks.Throughput.ThroughputRun.Run(args);
    return;
}
// Large values: per-call latency percentiles and bytes in Redis per entry (a plain harness, not BenchmarkDotNet).
if (args.Contains("--large-values"))
{
    await ResultCache.Benchmarks.LargeValueRun.RunAsync();
    return;
}
bool quick = args.Contains("--quick");
IConfig config = DefaultConfig.Instance;
if (quick)
{
    config = config.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithIterationCount(5).WithWarmupCount(3).AsDefault());
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Where(a => a != "--quick").ToArray(), config);
