using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace ResultCache.Generator.Tests;

/// <summary>
/// The Roslyn analyzer and code-fix test frameworks, set up with this machine's framework assemblies and the
/// ResultCache runtime (no reference packs are downloaded). Compiler errors are not checked here: without the
/// generator, every partial declaration lacks its body. <see cref="GeneratorHarness"/> checks those.
/// </summary>
internal static class Verify
{
    /// <summary>A second file every test compiles: models and a JSON context named for the assembly.</summary>
    public static readonly string ModelFile = TestSources.Model.Replace("namespace Shop\n", TestSources.AssemblySerializer + "\n\nnamespace Shop\n");

    private static readonly ReferenceAssemblies s_references = new("net10.0");

    public static Task AnalyzerAsync(string markup, params DiagnosticResult[] expected) =>
        AnalyzerAsync(markup, editorConfig: null, withModel: true, expected);

    public static async Task AnalyzerAsync(string markup, string? editorConfig, bool withModel, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<CacheResultAnalyzer, DefaultVerifier> { TestCode = markup };
        Configure(test.TestState, withModel);
        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", editorConfig));
        }
        test.ReferenceAssemblies = s_references;
        test.CompilerDiagnostics = CompilerDiagnostics.None;
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    public static async Task CodeFixAsync<TCodeFix>(string markup, string fixedCode, string? fixedModelFile = null)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<CacheResultAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = markup,
            FixedCode = fixedCode,
            ReferenceAssemblies = s_references,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        Configure(test.TestState, withModel: true);
        test.FixedState.Sources.Add(("/0/Model.cs", fixedModelFile ?? ModelFile));
        test.FixedState.AdditionalReferences.AddRange(References);
        await test.RunAsync();
    }

    private static ImmutableArray<MetadataReference> References { get; } =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(CacheResultAttribute).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();

    private static void Configure(SolutionState state, bool withModel)
    {
        if (withModel)
        {
            state.Sources.Add(("/0/Model.cs", ModelFile));
        }
        state.AdditionalReferences.AddRange(References);
    }
}
