using System.Diagnostics;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>
/// Two builds of one service run against one real redis-server, as in a rolling deploy. Version 2 renames a member
/// of the cached result, so the key's contract hash must keep each version to its own entries.
/// </summary>
[Trait(Engine.Name, Engine.Garnet)]
public sealed class RollingDeployTests
{
    private const int Calls = 20;

    [Fact]
    public async Task A_version_whose_result_changed_shape_never_reads_the_other_versions_entries()
    {
        await using RedisServer redis = await RedisServer.StartAsync();

        string[] v1Fill = await RunAsync("V1", redis);
        string[] v2 = await RunAsync("V2", redis);
        string[] v1Again = await RunAsync("V1", redis);

        Assert.Equal(Expected("Count", "v1", coreRuns: Calls), v1Fill);
        // Version 1's entries are there, under keys version 2 never reads: it computes every value itself.
        Assert.Equal(Expected("Total", "v2", coreRuns: Calls), v2);
        // And version 2's writes did not replace version 1's entries: they are all hits.
        Assert.Equal(Expected("Count", "v1", coreRuns: 0), v1Again);
    }

    private static string[] Expected(string member, string source, int coreRuns) =>
        Enumerable.Range(1, Calls).Select(id => $"{id}: {member}={id * 10} Source={source}")
            .Append($"core runs: {coreRuns}")
            .ToArray();

    private static async Task<string[]> RunAsync(string version, RedisServer redis)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(BuiltProject.Dll(Path.Combine("tests", "ResultCache.RollingDeploy", version), "ResultCache.RollingDeploy." + version));
        start.ArgumentList.Add(redis.Configuration);
        start.ArgumentList.Add(Calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{version} failed (exit {process.ExitCode}):\n{await output}{await error}");
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
