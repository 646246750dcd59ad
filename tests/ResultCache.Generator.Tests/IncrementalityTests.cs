using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ResultCache.Generator.Tests;

/// <summary>An unrelated edit must leave every tracked step cached, and no step may hold a symbol, node or compilation.</summary>
public sealed class IncrementalityTests
{
    private static readonly string[] TrackedSteps = [TrackingNames.Parse, TrackingNames.Methods, TrackingNames.Errors];

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation first = GeneratorHarness.Compile(TestSources.Model, TestSources.AssemblySerializer, TestSources.TaskInstance, TestSources.KeyEncodings);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        CSharpCompilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Shop { public static class Unrelated { public static int Answer => 42; } }", GeneratorHarness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.Contains(TrackingNames.Parse, result.TrackedSteps.Keys);
        Assert.Contains(TrackingNames.Methods, result.TrackedSteps.Keys);
        var reasons = TrackedSteps
            .Where(result.TrackedSteps.ContainsKey)
            .SelectMany(name => result.TrackedSteps[name])
            .SelectMany(step => step.Outputs)
            .Select(output => output.Reason)
            .ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason => Assert.True(
            reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"A step ran again: {reason}"));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void Editing_a_cached_method_re_emits_only_that_method()
    {
        CSharpCompilation first = GeneratorHarness.Compile(TestSources.Model, TestSources.AssemblySerializer, TestSources.TaskInstance, TestSources.Overloads);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        SyntaxTree overloads = first.SyntaxTrees.Last();
        CSharpCompilation second = first.ReplaceSyntaxTree(overloads, CSharpSyntaxTree.ParseText(
            TestSources.Overloads.Replace("[CacheResult(60)]\n    public partial string Get(int id);", "[CacheResult(61)]\n    public partial string Get(int id);"),
            GeneratorHarness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        var methodReasons = result.TrackedSteps[TrackingNames.Methods].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(1, methodReasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(2, methodReasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    private const string TwoContexts = """
        using System.Text.Json.Serialization;

        namespace Shop;

        [JsonSerializable(typeof(int))]
        public partial class CountJson : JsonSerializerContext;

        [JsonSerializable(typeof(string))]
        public partial class NameJson : JsonSerializerContext;
        """;

    private const string TwoServices = """
        using ResultCache;

        namespace Shop;

        [CacheSerializer(typeof(CountJson))]
        public partial class Counts
        {
            [CacheResult(60)]
            public partial int Count(int id);

            private int CountCore(int id) => id;
        }

        [CacheSerializer(typeof(NameJson))]
        public partial class Names
        {
            [CacheResult(60)]
            public partial string Name(int id);

            private string NameCore(int id) => "n" + id;
        }
        """;

    [Fact]
    public async Task Editing_a_json_context_re_emits_nothing_and_only_its_methods_get_diagnostics()
    {
        CSharpCompilation first = GeneratorHarness.Compile(TwoContexts, TwoServices);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        // CountJson no longer serializes int: the generated code does not depend on what a context holds, so nothing
        // is emitted again, and the analyzer (which reads the context) reports the method whose result it served.
        CSharpCompilation second = first.ReplaceSyntaxTree(first.SyntaxTrees.First(), CSharpSyntaxTree.ParseText(
            TwoContexts.Replace("[JsonSerializable(typeof(int))]", "[JsonSerializable(typeof(long))]"), GeneratorHarness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.All(result.TrackedSteps[TrackingNames.Methods].SelectMany(s => s.Outputs), output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"A method was emitted again: {output.Reason}"));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        ImmutableArray<Diagnostic> diagnostics = await second.WithAnalyzers([new CacheResultAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        Diagnostic missing = Assert.Single(diagnostics, d => d.Id == "RC0007");
        Assert.Contains("'Count'", missing.GetMessage());
    }

    [Fact]
    public void Editing_a_base_types_CacheStore_member_re_emits_only_the_methods_of_its_derived_types()
    {
        const string baseType = """
            namespace Shop;

            public abstract class ServiceBase
            {
                protected ResultCache.CacheStore? CacheStore { get; set; }
            }
            """;
        const string services = """
            using ResultCache;

            namespace Shop;

            public partial class Derived : ServiceBase
            {
                [CacheResult(60)]
                public partial int Get(int id);

                private int GetCore(int id) => id;
            }

            public partial class Standalone
            {
                [CacheResult(60)]
                public partial int Get(int id);

                private int GetCore(int id) => id;
            }
            """;
        CSharpCompilation first = GeneratorHarness.Compile(TestSources.Model, TestSources.AssemblySerializer, baseType, services);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        // The member becomes static: Derived now reads it without `this.`.
        SyntaxTree baseTree = first.SyntaxTrees.ElementAt(2);
        CSharpCompilation second = first.ReplaceSyntaxTree(baseTree, CSharpSyntaxTree.ParseText(
            baseType.Replace("protected ResultCache.CacheStore?", "protected static ResultCache.CacheStore?"), GeneratorHarness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        var reasons = result.TrackedSteps[TrackingNames.Methods].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        string derived = result.GeneratedSources.Single(s => s.HintName.StartsWith("Shop.Derived.", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("CacheStore ?? global::ResultCache.CacheStore.Default", derived);
        Assert.DoesNotContain("this.CacheStore", derived);
    }

    [Fact]
    public void Editing_a_result_types_shape_re_emits_only_the_methods_that_return_it()
    {
        const string report = "namespace Shop;\n\npublic record Report(int Count, string Source);\n";
        const string services = """
            using ResultCache;

            namespace Shop;

            public partial class Reports
            {
                [CacheResult(600)]
                public partial Report Get(int id);

                private Report GetCore(int id) => new(id, "db");

                [CacheResult(600)]
                public partial System.Collections.Generic.List<Report> All(int page);

                private System.Collections.Generic.List<Report> AllCore(int page) => [];

                [CacheResult(600)]
                public partial int Total(int id);

                private int TotalCore(int id) => id;
            }
            """;
        CSharpCompilation first = GeneratorHarness.Compile(TestSources.AssemblySerializer, report, services);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        CSharpCompilation second = first.ReplaceSyntaxTree(first.SyntaxTrees.ElementAt(1), CSharpSyntaxTree.ParseText(
            report.Replace("int Count", "int Total"), GeneratorHarness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        var reasons = result.TrackedSteps[TrackingNames.Methods].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(2, reasons.Count(r => r == IncrementalStepRunReason.Modified)); // Get and All
        Assert.Equal(1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)); // Total
    }

    [Fact]
    public void No_step_output_holds_a_symbol_syntax_node_or_compilation()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(TestSources.Model, TestSources.AssemblySerializer, TestSources.KeyEncodings, TestSources.NestedGeneric);
        GeneratorRunResult result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();

        foreach (string name in TrackedSteps.Where(result.TrackedSteps.ContainsKey))
        {
            foreach (IncrementalGeneratorRunStep step in result.TrackedSteps[name])
            {
                foreach ((object value, _) in step.Outputs)
                {
                    AssertNoRoslynObjects(value, $"{name}", depth: 0);
                }
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, string path, int depth)
    {
        if (value is null || depth > 8 || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location,
            $"{path} holds a {value.GetType().Name}, which stops the pipeline caching.");
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, $"{path}[{i++}]", depth + 1);
            }
            return;
        }
        foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.DeclaringType!.Assembly == typeof(CacheResultGenerator).Assembly)
            {
                AssertNoRoslynObjects(property.GetValue(value), $"{path}.{property.Name}", depth + 1);
            }
        }
    }
}
