using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ResultCache.Generator;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 7: the generator over a compilation with 500 cached methods: a first run, and a run after an unrelated edit.</summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const int Methods = 500;
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warmDriver = null!;

    [GlobalSetup]
    public void Setup()
    {
        var source = new StringBuilder("""
            using System;
            using System.Threading.Tasks;
            using System.Text.Json.Serialization;
            using ResultCache;
            [assembly: CacheSerializer(typeof(Big.BigJson))]
            namespace Big;
            [JsonSerializable(typeof(int))]
            [JsonSerializable(typeof(Order))]
            public partial class BigJson : JsonSerializerContext { }
            public record Order(int Id, string Customer, DateTime Placed, Status Status, System.Collections.Generic.List<OrderLine> Lines, System.Collections.Generic.Dictionary<string, decimal> Totals);
            public record OrderLine(string Sku, int Quantity, decimal Price, Product Product);
            public record Product(string Name, string[] Tags, Product? Replacement);
            public enum Status { Open, Paid, Shipped }
            public partial class Service
            {

            """);
        // Half the methods return an int, half an object graph whose JSON contract the generator walks.
        for (int i = 0; i < Methods; i++)
        {
            string result = i % 2 == 0 ? "int" : "Order";
            source.AppendLine($"    [CacheResult(60)] public partial Task<{result}> Get{i}Async(Guid id, int page, string filter);");
            source.AppendLine($"    private Task<{result}> Get{i}AsyncCore(Guid id, int page, string filter) => Task.FromResult<{result}>(default!);");
        }
        source.AppendLine("}");

        IEnumerable<MetadataReference> references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Append(typeof(CacheStore).Assembly.Location)
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        _compilation = CSharpCompilation.Create("Big", [CSharpSyntaxTree.ParseText(source.ToString(), ParseOptions)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        _edited = _compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Big; public static class Unrelated { public const int Answer = 42; }", ParseOptions));
        _warmDriver = NewDriver().RunGenerators(_compilation);
        if (_warmDriver.GetRunResult().GeneratedTrees.Length != Methods)
        {
            throw new InvalidOperationException("The generator did not emit one file per method.");
        }
        // The goal: an unrelated edit re-emits nothing. Checked here, so a regression fails the run.
        GeneratorRunResult incremental = _warmDriver.RunGenerators(_edited).GetRunResult().Results.Single();
        if (incremental.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Any(o => o.Reason != IncrementalStepRunReason.Cached))
        {
            throw new InvalidOperationException("An unrelated edit re-emitted generated source.");
        }
    }

    [Benchmark(Baseline = true)]
    public GeneratorDriver FirstRun() => NewDriver().RunGenerators(_compilation);

    [Benchmark]
    public GeneratorDriver IncrementalRun_UnrelatedEdit() => _warmDriver.RunGenerators(_edited);

    // Each edit is a new compilation: what is cached per compilation is computed again, as it is on every keystroke.
    [Benchmark]
    public GeneratorDriver FirstRun_NewCompilation() => NewDriver().RunGenerators(_compilation.Clone());

    [Benchmark]
    public GeneratorDriver IncrementalRun_UnrelatedEdit_NewCompilation() => _warmDriver.RunGenerators(_edited.Clone());

    private static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([new CacheResultGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
}
