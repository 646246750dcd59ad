using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ResultCache.Generator.Symbols;

namespace ResultCache.Generator.Tests;

/// <summary>
/// Each result type's JSON contract is walked once per compilation, however many methods return it, and a change to
/// one contract re-emits the methods returning it and no other.
/// </summary>
public sealed class ContractChangeTests
{
    [Fact]
    public void Two_hundred_fifty_methods_sharing_five_result_types_walk_each_type_once_per_compilation()
    {
        CSharpCompilation first = GeneratorHarness.Compile(Model(), TestSources.AssemblySerializer, Service());
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);
        Assert.Equal(5, JsonContract.WalksIn(first));

        // An edit elsewhere is a new compilation: the five are walked again, once each, and nothing is emitted again.
        CSharpCompilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Shop; public class Unrelated { }", GeneratorHarness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();
        Assert.Equal(5, JsonContract.WalksIn(second));
        Assert.All(result.TrackedSteps[TrackingNames.Methods].SelectMany(s => s.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    [Fact]
    public void A_change_to_one_result_type_re_emits_only_the_methods_returning_it()
    {
        CSharpCompilation first = GeneratorHarness.Compile(Model(), TestSources.AssemblySerializer, Service());
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        SyntaxTree model = first.SyntaxTrees.First();
        CSharpCompilation second = first.ReplaceSyntaxTree(model, CSharpSyntaxTree.ParseText(
            Model().Replace("public record Report0(int Count);", "public record Report0(int Count, string Name);"), GeneratorHarness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        var reasons = result.TrackedSteps[TrackingNames.Methods].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(50, reasons.Count(r => r == IncrementalStepRunReason.Modified)); // every fifth method returns Report0
        Assert.Equal(200, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    private static string Model()
    {
        var source = new StringBuilder("namespace Shop;\n");
        for (int type = 0; type < 5; type++)
        {
            source.Append("public record Report").Append(type).Append("(int Count);\n");
        }
        return source.ToString();
    }

    // 250 methods, each returning one of five record types, in a file apart from the types.
    private static string Service()
    {
        var source = new StringBuilder("""
            using System.Text.Json;
            using System.Text.Json.Serialization;
            using System.Text.Json.Serialization.Metadata;
            using System.Threading.Tasks;
            using ResultCache;

            namespace Shop;

            [JsonSerializable(typeof(Report0))]
            [JsonSerializable(typeof(Report1))]
            [JsonSerializable(typeof(Report2))]
            [JsonSerializable(typeof(Report3))]
            [JsonSerializable(typeof(Report4))]
            public sealed class ShopJson : JsonSerializerContext
            {
                public ShopJson() : base(null) { }
                public static ShopJson Default { get; } = new();
                protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override JsonTypeInfo? GetTypeInfo(System.Type type) => null;
            }

            public partial class Reports
            {

            """);
        for (int i = 0; i < 250; i++)
        {
            string type = "Report" + (i % 5);
            source.Append("    [CacheResult(60)] public partial Task<").Append(type).Append("> Get").Append(i).Append("(int id);\n");
            source.Append("    private Task<").Append(type).Append("> Get").Append(i).Append("Core(int id) => Task.FromResult(new ").Append(type).Append("(id));\n");
        }
        return source.Append("}\n").ToString();
    }
}
