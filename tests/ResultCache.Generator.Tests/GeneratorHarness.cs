using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ResultCache.Generator.Tests;

/// <summary>Runs the generator over source text, against the real runtime assembly and framework references.</summary>
internal static class GeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> s_references = LoadReferences();

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "Consumer",
        sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
        s_references,
        new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            allowUnsafe: true,
            generalDiagnosticOption: ReportDiagnostic.Error));

    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        [new CacheResultGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>
    /// Runs the generator, then the analyzer over the result, as a build does: a build whose declarations have
    /// errors (CS8795, CS0751...) stops before its analyzers run. Returns what the generator wrote, ResultCache's
    /// diagnostics, and the compiler's own warnings and errors.
    /// </summary>
    public static GeneratorRun Run(params string[] sources)
    {
        CSharpCompilation input = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out var generatorDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        bool declarationErrors = output.GetDeclarationDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
        ImmutableArray<Diagnostic> analyzerDiagnostics = declarationErrors ? [] : output
            .WithAnalyzers([new CacheResultAnalyzer()])
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return new GeneratorRun(
            result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).ToImmutableArray(),
            generatorDiagnostics.AddRange(analyzerDiagnostics),
            output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray());
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        string[] framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return framework
            .Append(typeof(CacheResultAttribute).Assembly.Location)
            .Append(typeof(StackExchange.Redis.IDatabase).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}

internal sealed record GeneratorRun(
    ImmutableArray<GeneratedSourceResult> Sources,
    ImmutableArray<Diagnostic> Diagnostics,
    ImmutableArray<Diagnostic> CompilerDiagnostics)
{
    /// <summary>Every generated file, each under a header with its hint name: one snapshot per case.</summary>
    public string Text => string.Join("\n", Sources.Select(s => $"//---------- {s.HintName}\n{s.SourceText}"));
}
