using Xunit.Abstractions;

namespace ResultCache.Tests.Reliability;

/// <summary>
/// Writes each scenario's figures to the test output and, when <c>RESULTCACHE_RELIABILITY_REPORT</c> names a
/// file, appends them there as Markdown rows: that is how docs/reliability.md is produced.
/// </summary>
public static class ReliabilityReport
{
    public const string ReportVariable = "RESULTCACHE_RELIABILITY_REPORT";
    private static readonly object s_lock = new();

    public static void Write(ITestOutputHelper output, ScenarioResult result)
    {
        Write(output, ScenarioResult.MarkdownHeader, result.ToMarkdownRow());
        output.WriteLine("Slow calls: " + result.SlowCallDetails);
    }

    public static void Write(ITestOutputHelper output, string header, string row)
    {
        output.WriteLine(header);
        output.WriteLine(row);
        if (Environment.GetEnvironmentVariable(ReportVariable) is { Length: > 0 } path)
        {
            lock (s_lock)
            {
                File.AppendAllText(path, row + Environment.NewLine);
            }
        }
    }
}
