using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace ResultCache.Generator.Tests;

/// <summary>Every diagnostic at its exact span (Roslyn's analyzer test framework), and its severity settings.</summary>
public sealed class DiagnosticTests
{
    [Theory]
    [MemberData(nameof(Misuses.All), MemberType = typeof(Misuses))]
    public async Task Misuse_is_reported_with_its_id_at_its_cause(string misuse, string body)
    {
        Assert.NotEmpty(misuse);
        await Verify.AnalyzerAsync(Misuses.Source(body));
    }

    [Fact]
    public async Task A_partial_method_in_a_type_that_is_not_partial_is_reported()
    {
        await Verify.AnalyzerAsync(Misuses.Source("""
            public class Service
            {
                [CacheResult(60)]
                public partial int {|RC0001:Get|}(int id);
                private int GetCore(int id) => id;
            }
            """));
    }

    [Fact]
    public async Task A_partial_type_nested_in_a_type_that_is_not_partial_is_reported_naming_the_outer_type()
    {
        await Verify.AnalyzerAsync(
            Misuses.Source("""
                public class Outer
                {
                    public partial class Inner
                    {
                        [CacheResult(60)]
                        public partial int {|#0:Get|}(int id);
                        private int GetCore(int id) => id;
                    }
                }
                """),
            new DiagnosticResult(Diagnostics.NotPartial).WithLocation(0).WithArguments("Get", "make 'Outer' partial"));
    }

    [Fact]
    public async Task Naming_no_json_context_is_a_warning_that_it_is_not_aot_safe()
    {
        await Verify.AnalyzerAsync(Misuses.Source("""
            public partial class Service
            {
                [CacheResult(60)]
                public partial int {|RC0010:Get|}(int id);
                private int GetCore(int id) => id;
            }
            """), editorConfig: null, withModel: false);
    }

    [Fact]
    public async Task Messages_name_the_fix()
    {
        await Verify.AnalyzerAsync(
            Misuses.Source("""
                public partial class Service
                {
                    [CacheResult(60)]
                    public partial Task<int> {|#0:Get|}(int id, string name);
                }
                """),
            new DiagnosticResult(Diagnostics.CoreMissing).WithLocation(0)
                .WithArguments("Get", "private Task<int> GetCore(int id, string name)"));
    }

    [Fact]
    public async Task A_store_member_named_CacheStore_or_no_store_at_all_is_not_reported()
    {
        // Named CacheStore (the generator uses it), a static method beside an instance store (it cannot use one), and a
        // type that holds no store: none is a misnamed store.
        await Verify.AnalyzerAsync(Misuses.Source("""
            public partial class Named(CacheStore store)
            {
                private CacheStore CacheStore => store;

                [CacheResult(60)]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }

            public partial class StaticMethod(CacheStore store)
            {
                public CacheStore Store => store;

                [CacheResult(60)]
                public static partial int Get(int id);
                private static int GetCore(int id) => id;
            }

            public partial class NoStore
            {
                [CacheResult(60)]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """));
    }

    [Fact]
    public async Task Pragma_disables_a_warning_and_an_error()
    {
        await Verify.AnalyzerAsync(Misuses.Source("""
            public partial class Service
            {
            #pragma warning disable RC0010, RC0002
                [CacheResult(60)]
                public partial int Get(int id);
            #pragma warning restore RC0010, RC0002
            }
            """), editorConfig: null, withModel: false);
    }

    [Fact]
    public async Task Editorconfig_severity_turns_a_diagnostic_off()
    {
        await Verify.AnalyzerAsync(Misuses.Source("""
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """), editorConfig: "root = true\n\n[*.cs]\ndotnet_diagnostic.RC0010.severity = none\n", withModel: false);
    }

    [Fact]
    public async Task Editorconfig_severity_turns_an_error_off()
    {
        await Verify.AnalyzerAsync(Misuses.Source("""
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(int id);
            }
            """), editorConfig: "root = true\n\n[*.cs]\ndotnet_diagnostic.RC0002.severity = none\n", withModel: true);
    }

    [Fact]
    public void Every_diagnostic_has_an_absolute_help_link_to_its_anchor_and_a_documented_section()
    {
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        // The project URL comes from Directory.Build.props, the one place it is named.
        string props = File.ReadAllText(Path.Combine(RepositoryRoot(), "Directory.Build.props"));
        string projectUrl = System.Text.RegularExpressions.Regex.Match(props, "<PackageProjectUrl>(.+)</PackageProjectUrl>").Groups[1].Value;
        Assert.StartsWith("https://", projectUrl);
        foreach (DiagnosticDescriptor descriptor in Diagnostics.All)
        {
            Assert.Equal(projectUrl + "/blob/main/docs/diagnostics.md#" + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri);
            Assert.True(Uri.TryCreate(descriptor.HelpLinkUri, UriKind.Absolute, out _), descriptor.HelpLinkUri);
            Assert.Contains("## " + descriptor.Id, docs);
        }
        Assert.Equal(Diagnostics.All.Length, Diagnostics.All.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public void Every_diagnostic_is_in_the_release_tracking_file()
    {
        string unshipped = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Generator", "AnalyzerReleases.Unshipped.md"));
        foreach (DiagnosticDescriptor descriptor in Diagnostics.All)
        {
            Assert.Contains($"{descriptor.Id} | ResultCache | {descriptor.DefaultSeverity}", unshipped);
        }
    }

    internal static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));
}
