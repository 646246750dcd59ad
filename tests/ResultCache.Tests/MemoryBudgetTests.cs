using System.Diagnostics;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>
/// A process whose GC heap is capped at 1 GiB, as a container limit caps it: the embedded store's memory budget
/// (thousands of 2 MB results, and the process finishes while its hot key keeps hitting), and a Redis full of hostile entries.
/// </summary>
public sealed class MemoryBudgetTests
{
    private const string OneGiB = "0x40000000";

    [Fact]
    public async Task Thousands_of_2_MB_results_under_a_1_GiB_heap_finish_and_the_hot_key_keeps_hitting()
    {
        (int exit, string output) = await RunAsync(results: 3000, budget: "default");

        Assert.True(exit == 0, $"The process failed (exit {exit}):\n{output}");
        string ratio = output.Split('\n').Single(l => l.StartsWith("hot-key hit ratio: ", StringComparison.Ordinal))["hot-key hit ratio: ".Length..];
        Assert.True(double.Parse(ratio, System.Globalization.CultureInfo.InvariantCulture) >= 0.9, output);
    }

    [Fact]
    public async Task Without_a_byte_budget_the_same_process_runs_out_of_memory()
    {
        // The control: the cap is real, and a store bounded by entry count alone (as it was) kills the process.
        (int exit, string output) = await RunAsync(results: 3000, budget: "off");

        Assert.NotEqual(0, exit);
        Assert.Contains("Out of memory", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_a_1_GiB_heap_no_entry_in_redis_makes_a_call_throw_or_the_process_die()
    {
        // Entries that declare 2 GB of JSON (with a valid checksum), entries over the cap, nulls, a million nested
        // arrays, lists under entry and tag keys, called from 16 threads.
        await using RedisServer redis = await RedisServer.StartAsync();

        (int exit, string output) = await RunAsync("poison", redis.Configuration);

        Assert.True(exit == 0, $"The process failed (exit {exit}):\n{output}");
        Assert.Contains("exceptions: 0, wrong: 0", output, StringComparison.Ordinal);
    }

    private static Task<(int Exit, string Output)> RunAsync(int results, string budget) =>
        RunAsync(results.ToString(System.Globalization.CultureInfo.InvariantCulture), "2", budget);

    private static async Task<(int Exit, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments.Prepend(BuiltProject.Dll(Path.Combine("tests", "ResultCache.MemoryBudgetApp"), "ResultCache.MemoryBudgetApp")))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_GCHeapHardLimit"] = OneGiB;
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
