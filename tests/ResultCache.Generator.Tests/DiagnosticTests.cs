using Microsoft.CodeAnalysis;

namespace ResultCache.Generator.Tests;

/// <summary>
/// Each misuse is one diagnostic at the span marked <c>{|RCxxxx:...|}</c>, and the compiler adds no error beside it.
/// </summary>
public sealed class DiagnosticTests
{
    [Theory]
    [InlineData("RC0001", """
        public class Service
        {
            [CacheResult(60)]
            public int {|RC0001:Get|}(int id) => id;
        }
        """)]
    [InlineData("RC0002", """
        public partial class Service
        {
            [CacheResult(60)]
            public partial int {|RC0002:Get|}(int id);
        }
        """)]
    [InlineData("RC0002", """
        public partial class Service
        {
            [CacheResult(60)]
            public partial int {|RC0002:Get|}(int id);
            private static int GetCore(int id) => id;
        }
        """)]
    [InlineData("RC0003", """
        public partial class Service
        {
            [CacheResult(60)]
            public partial {|RC0003:Task|} Run(int id);
            private Task RunCore(int id) => Task.CompletedTask;
        }
        """)]
    [InlineData("RC0004", """
        public partial class Service
        {
            [CacheResult(60)]
            public partial int Get(ref int {|RC0004:id|});
            private int GetCore(ref int id) => id;
        }
        """)]
    [InlineData("RC0005", """
        public partial class Service
        {
            [{|RC0005:CacheResult(0)|}]
            public partial int Get(int id);
            private int GetCore(int id) => id;
        }
        """)]
    [InlineData("RC0006", """
        public partial class Service
        {
            [CacheResult(60)]
            public partial int Get(System.IO.Stream {|RC0006:data|});
            private int GetCore(System.IO.Stream data) => 0;
        }
        """)]
    [InlineData("RC0006", """
        public partial class Service
        {
            [CacheResult(60)]
            public partial int Get(System.Collections.Generic.HashSet<string> {|RC0006:tags|});
            private int GetCore(System.Collections.Generic.HashSet<string> tags) => 0;
        }
        """)]
    [InlineData("RC0008", """
        public partial class Service
        {
            [CacheResult(60)]
            public partial T {|RC0008:Get|}<T>(int id);
            private T GetCore<T>(int id) => default!;
        }
        """)]
    public void Misuse_is_reported_at_its_cause_and_alone(string id, string body)
    {
        string markup = "using System.Threading.Tasks;\nusing ResultCache;\nnamespace App;\n" + body;
        (string source, string expectedId, string expectedText) = ParseMarkup(markup);
        Assert.Equal(id, expectedId);

        GeneratorRun run = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(expectedText, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Empty(run.CompilerDiagnostics.Where(d => d.Id is "CS8795" or "CS0103" or "CS0161"));
        Assert.Contains("docs/diagnostics.md#" + id.ToLowerInvariant(), diagnostic.Descriptor.HelpLinkUri);
    }

    [Fact]
    public void A_type_missing_from_the_json_context_names_the_attribute_to_add()
    {
        string source = """
            using ResultCache;
            namespace Shop;
            public partial class Service
            {
                [CacheResult(60)]
                public partial System.Uri Get(int id);
                private System.Uri GetCore(int id) => new("https://example.invalid");
            }
            """;

        GeneratorRun run = GeneratorHarness.Run(TestSources.Model, TestSources.AssemblySerializer, source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RC0007", diagnostic.Id);
        Assert.Contains("add [JsonSerializable(typeof(Uri))] to 'ShopJson'", diagnostic.GetMessage());
    }

    [Fact]
    public void A_serializer_that_is_not_a_json_context_is_reported()
    {
        string source = """
            using ResultCache;
            [assembly: CacheSerializer(typeof(App.NotAContext))]
            namespace App;
            public class NotAContext { }
            """;

        GeneratorRun run = GeneratorHarness.Run(source, TestSources.SyncStatic.Replace("namespace Shop", "namespace App"));

        Assert.Equal("RC0009", Assert.Single(run.GeneratorDiagnostics).Id);
    }

    [Fact]
    public void A_missing_core_gets_a_throwing_stub_so_the_only_error_is_ours()
    {
        string source = """
            using ResultCache;
            namespace App;
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(int id);
            }
            """;

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Equal("RC0002", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Contains("private int GetCore(int id)", run.GeneratorDiagnostics[0].GetMessage());
        Assert.Contains("throw new global::System.InvalidOperationException", run.Text);
        Assert.Empty(run.CompilerDiagnostics);
    }

    private static (string Source, string Id, string Text) ParseMarkup(string markup)
    {
        int open = markup.IndexOf("{|", StringComparison.Ordinal);
        int colon = markup.IndexOf(':', open);
        int close = markup.IndexOf("|}", colon, StringComparison.Ordinal);
        string id = markup[(open + 2)..colon];
        string text = markup[(colon + 1)..close];
        return (markup[..open] + text + markup[(close + 2)..], id, text);
    }
}
