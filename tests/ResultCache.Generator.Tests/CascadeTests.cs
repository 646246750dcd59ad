using Microsoft.CodeAnalysis;

namespace ResultCache.Generator.Tests;

/// <summary>A build with a misuse shows exactly one ResultCache diagnostic, and no compiler error or warning beside it.</summary>
public sealed class CascadeTests
{
    [Theory]
    [MemberData(nameof(Misuses.All), MemberType = typeof(Misuses))]
    public void Misuse_compiles_to_exactly_one_diagnostic_of_ours(string misuse, string body)
    {
        (string source, string id, string span) = Markup.Parse(Misuses.Source(body));

        GeneratorRun run = GeneratorHarness.Run(source, Verify.ModelFile);

        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.True(run.CompilerDiagnostics.IsEmpty, $"{misuse}: {string.Join("; ", run.CompilerDiagnostics)}");
    }

    [Theory]
    [InlineData("Outer", "public class Outer\n{\n    public partial class Service\n    {\n        {0}\n    }\n}")]
    [InlineData("Service", "public class Service\n{\n    {0}\n}")]
    public void A_build_shows_RC0001_naming_the_type_that_is_not_partial(string outer, string types)
    {
        // The compiler's own error on the declaration stops the build before analyzers run; the generator reports it.
        string source = Misuses.Source(types.Replace("{0}", "[CacheResult(60)]\n public partial int Get(int id);\n private int GetCore(int id) => id;"));

        GeneratorRun run = GeneratorHarness.Run(source, Verify.ModelFile);

        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("RC0001", diagnostic.Id);
        Assert.Equal("'Get' is not a partial declaration the generator can implement: make '" + outer + "' partial", diagnostic.GetMessage());
        Assert.Equal("Get", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.True(diagnostic.Location.IsInSource, "RC0001 is located outside the source: the IDE cannot show it on the code.");
        Assert.Contains(run.CompilerDiagnostics, d => d.Id == "CS8795");
    }

    [Fact]
    public void Pragma_suppresses_RC0001_from_the_generator_and_leaves_the_compilers_own_error()
    {
        // RC0001 is the one diagnostic the generator reports; it is located in source, so #pragma applies to it. The
        // build still fails on the compiler's CS0751, which no pragma can hide.
        string source = Misuses.Source("public class Service\n{\n#pragma warning disable RC0001\n[CacheResult(60)]\npublic partial int Get(int id);\n#pragma warning restore RC0001\nprivate int GetCore(int id) => id;\n}");
        string unsuppressed = source.Replace("#pragma warning disable RC0001\n", "").Replace("#pragma warning restore RC0001\n", "");

        Assert.False(Assert.Single(GeneratorHarness.Run(unsuppressed, Verify.ModelFile).Diagnostics).IsSuppressed);
        GeneratorRun run = GeneratorHarness.Run(source, Verify.ModelFile);
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("RC0001", diagnostic.Id);
        Assert.True(diagnostic.IsSuppressed, "#pragma warning disable RC0001 did not suppress the generator's diagnostic.");
        Assert.Contains(run.CompilerDiagnostics, d => d.Id == "CS0751");
    }

    [Fact]
    public void An_erroneous_method_gets_a_throwing_stub_that_names_the_error()
    {
        (string source, _, _) = Markup.Parse(Misuses.Source("""
            public partial class Service
            {
                [CacheResult(60)]
                public partial int {|RC0002:Get|}(int id);
            }
            """));

        GeneratorRun run = GeneratorHarness.Run(source, Verify.ModelFile);

        Assert.Contains("throw new global::System.InvalidOperationException(\"This [CacheResult] method has compile error RC0002", run.Text);
    }
}

/// <summary>Reads one <c>{|ID:span|}</c> marker out of a source.</summary>
internal static class Markup
{
    public static (string Source, string Id, string Span) Parse(string markup)
    {
        int open = markup.IndexOf("{|", StringComparison.Ordinal);
        int colon = markup.IndexOf(':', open);
        int close = markup.IndexOf("|}", colon, StringComparison.Ordinal);
        string span = markup[(colon + 1)..close];
        return (markup[..open] + span + markup[(close + 2)..], markup[(open + 2)..colon], span);
    }
}
