using Microsoft.CodeAnalysis;

namespace ResultCache.Generator.Tests;

/// <summary>The generator's findings keep the first error's id and build no diagnostic; the analyzer's keep every one.</summary>
public sealed class FindingsTests
{
    [Fact]
    public void The_generators_findings_keep_only_the_first_errors_id_and_the_analyzers_every_diagnostic()
    {
        Findings generator = Findings.ForGenerator();
        Findings analyzer = Findings.ForAnalyzer();
        foreach (Findings findings in new[] { generator, analyzer })
        {
            findings.Add(Diagnostics.IgnoreWithoutCache, Location.None, "p", "M"); // a warning: not an error to stub
            findings.Add(Diagnostics.InvalidTtl, Location.None, "0", "M");
            findings.Add(Diagnostics.CoreMissing, Location.None, "M", "private int MCore()");
        }

        Assert.Equal(DiagnosticSeverity.Warning, Diagnostics.IgnoreWithoutCache.DefaultSeverity);
        Assert.Equal(Diagnostics.InvalidTtl.Id, generator.FirstErrorId);
        Assert.Empty(generator.Diagnostics);
        Assert.Equal(Diagnostics.InvalidTtl.Id, analyzer.FirstErrorId);
        Assert.Equal([Diagnostics.IgnoreWithoutCache.Id, Diagnostics.InvalidTtl.Id, Diagnostics.CoreMissing.Id], analyzer.Diagnostics.Select(d => d.Id));
    }
}
