using System.Text.Json;
using System.Text.RegularExpressions;
using ResultCache.Generator.Symbols;

namespace ResultCache.Generator.Tests;

/// <summary>
/// The key's signature covers the result's JSON contract: a change to what the serializer writes moves the keys,
/// a change it ignores keeps them, and <c>Version</c> moves them by hand.
/// </summary>
public sealed partial class ContractHashTests
{
    private const string Template = """
        using System.Collections.Generic;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using ResultCache;

        namespace Shop;

        {OPTIONS}
        [JsonSerializable(typeof(Report))]
        public partial class ReportJson : JsonSerializerContext;

        [CacheSerializer(typeof(ReportJson))]
        public partial class Reports
        {
            [CacheResult(600{VERSION})]
            public partial Report Get(int id);

            private Report GetCore(int id) => throw new System.NotSupportedException();

            [CacheResult(600)]
            public partial int Count(int id);

            private int CountCore(int id) => id;
        }

        {TYPES}
        """;

    public static TheoryData<string, string, string> ChangesTheJson => new()
    {
        { "a renamed property", "public record Report(int Count, string Source);", "public record Report(int Total, string Source);" },
        { "a property's type", "public record Report(int Count, string Source);", "public record Report(long Count, string Source);" },
        { "a property removed", "public record Report(int Count, string Source);", "public record Report(int Count);" },
        { "a JSON name", "public record Report(int Count);", "public record Report([property: JsonPropertyName(\"n\")] int Count);" },
        { "a nested type's member", "public record Report(List<Line> Lines);\npublic record Line(int Qty);", "public record Report(List<Line> Lines);\npublic record Line(int Quantity);" },
        { "a collection's item type", "public record Report(List<int> Counts);", "public record Report(List<long> Counts);" },
        { "a dictionary's value type", "public record Report(Dictionary<string, int> Counts);", "public record Report(Dictionary<string, string> Counts);" },
        { "a nullable value type", "public record Report(int Count);", "public record Report(int? Count);" },
        { "required", "public class Report { public int Count { get; set; } }", "public class Report { public required int Count { get; set; } }" },
        { "[JsonRequired]", "public class Report { public int Count { get; set; } }", "public class Report { [JsonRequired] public int Count { get; set; } }" },
        { "an ignored property", "public class Report { public int Count { get; set; } public int Cost { get; set; } }", "public class Report { public int Count { get; set; } [JsonIgnore] public int Cost { get; set; } }" },
        { "a conditional ignore", "public class Report { public string? Note { get; set; } }", "public class Report { [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Note { get; set; } }" },
        { "an included field", "public class Report { public int Count; }", "public class Report { [JsonInclude] public int Count; }" },
        { "a string enum's member", "[JsonConverter(typeof(JsonStringEnumConverter<Level>))]\npublic enum Level { Low, High }\npublic record Report(Level Level);", "[JsonConverter(typeof(JsonStringEnumConverter<Level>))]\npublic enum Level { Low, Top }\npublic record Report(Level Level);" },
        { "an enum's underlying type", "public enum Level { Low, High }\npublic record Report(Level Level);", "public enum Level : long { Low, High }\npublic record Report(Level Level);" },
        { "a derived type's member", "[JsonDerivedType(typeof(Big), \"big\")]\npublic record Report(int Count);\npublic record Big(int Count, int Size) : Report(Count);", "[JsonDerivedType(typeof(Big), \"big\")]\npublic record Report(int Count);\npublic record Big(int Count, long Size) : Report(Count);" },
        { "a recursive type's member", "public record Report(int Count, Report? Next);", "public record Report(long Count, Report? Next);" },
        { "a base class's member", "public class Entity { public int Id { get; set; } }\npublic class Report : Entity { public int Count { get; set; } }", "public class Entity { public long Id { get; set; } }\npublic class Report : Entity { public int Count { get; set; } }" },
        { "a converter", "public record Report(int Count);", "[JsonConverter(typeof(ReportConverter))]\npublic record Report(int Count);\npublic sealed class ReportConverter : JsonConverter<Report> { public override Report Read(ref Utf8JsonReader r, System.Type t, JsonSerializerOptions o) => null!; public override void Write(Utf8JsonWriter w, Report v, JsonSerializerOptions o) { } }" },
    };

    public static TheoryData<string, string, string> KeepsTheJson => new()
    {
        { "a second build of the same source", "public record Report(int Count, List<Line> Lines, Dictionary<string, Line> ByName);\npublic record Line(string Sku, int Qty);", "public record Report(int Count, List<Line> Lines, Dictionary<string, Line> ByName);\npublic record Line(string Sku, int Qty);" },
        { "a method added", "public record Report(int Count);", "public record Report(int Count) { public int Twice() => Count * 2; }" },
        { "a private field", "public class Report { public int Count { get; set; } }", "public class Report { private int _seen; public int Count { get => _seen; set => _seen = value; } }" },
        { "a static property", "public class Report { public int Count { get; set; } }", "public class Report { public static int Made { get; set; } public int Count { get; set; } }" },
        { "a comment", "public record Report(int Count);", "/// <summary>The report.</summary>\npublic record Report(int Count); // counted nightly" },
        { "properties reordered", "public class Report { public int Count { get; set; } public string Source { get; set; } = \"\"; }", "public class Report { public string Source { get; set; } = \"\"; public int Count { get; set; } }" },
        { "a numeric enum's member renamed", "public enum Level { Low, High }\npublic record Report(Level Level);", "public enum Level { Low, Top }\npublic record Report(Level Level);" },
        { "a property renamed under its old JSON name", "public record Report(int Count);", "public record Report([property: JsonPropertyName(\"Count\")] int Total);" },
        { "a list made an array", "public record Report(List<int> Counts);", "public record Report(int[] Counts);" },
        { "a nullable reference annotation", "public record Report(string Source);", "public record Report(string? Source);" },
        { "a type split into partial declarations", "public partial record Report(int Count) { public string Source { get; init; } = \"\"; }", "public partial record Report(int Count);\npublic partial record Report { public string Source { get; init; } = \"\"; }" },
    };

    [Theory]
    [MemberData(nameof(ChangesTheJson))]
    public void A_change_to_what_the_serializer_writes_changes_the_key(string change, string before, string after)
    {
        Assert.True(Signature(before) != Signature(after), change);
    }

    [Theory]
    [MemberData(nameof(KeepsTheJson))]
    public void A_change_the_serializer_ignores_keeps_the_key(string change, string before, string after)
    {
        Assert.True(Signature(before) == Signature(after), change);
    }

    [Fact]
    public void Only_the_methods_returning_the_changed_type_change_their_keys()
    {
        GeneratorRun before = GeneratorHarness.Run(Source("public record Report(int Count);"));
        GeneratorRun after = GeneratorHarness.Run(Source("public record Report(int Total);"));

        Assert.NotEqual(Signature(before, "Get"), Signature(after, "Get"));
        Assert.Equal(Signature(before, "Count"), Signature(after, "Count"));
    }

    [Fact]
    public void The_options_naming_policy_is_part_of_the_contract()
    {
        const string types = "public record Report(int Count);";
        const string camel = "[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]";

        Assert.NotEqual(Signature(types), Signature(types, camel));
        // Under camel case, "Count" is written "count": naming that by hand after a rename writes the same JSON.
        Assert.Equal(Signature(types, camel), Signature("public record Report([property: JsonPropertyName(\"count\")] int Total);", camel));
        // The web defaults imply camel case.
        const string web = "[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]";
        Assert.Equal(Signature(types, web), Signature("public record Report([property: JsonPropertyName(\"count\")] int Total);", web));
    }

    [Fact]
    public void Enums_written_as_strings_by_the_options_put_their_names_in_the_contract()
    {
        const string options = "[JsonSourceGenerationOptions(UseStringEnumConverter = true)]";
        const string before = "public enum Level { Low, High }\npublic record Report(Level Level);";
        const string after = "public enum Level { Low, Top }\npublic record Report(Level Level);";

        Assert.NotEqual(Signature(before, options), Signature(after, options));
        Assert.Equal(Signature(before), Signature(after));
    }

    [Fact]
    public void Methods_returning_one_type_under_two_contexts_each_get_their_contexts_contract()
    {
        const string types = "public record Report(int Count);";
        const string camelService = """
            [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
            [JsonSerializable(typeof(Report))]
            public partial class CamelJson : JsonSerializerContext;

            [CacheSerializer(typeof(CamelJson))]
            public partial class CamelReports
            {
                [CacheResult(600)]
                public partial Report Get(int id);

                private Report GetCore(int id) => throw new System.NotSupportedException();
            }
            """;
        // The contract is walked once per type and context in a compilation; neither method may take the other's.
        GeneratorRun together = GeneratorHarness.Run(Source(types + "\n" + camelService));
        GeneratorRun defaultAlone = GeneratorHarness.Run(Source(types));
        GeneratorRun camelAlone = GeneratorHarness.Run("using System.Text.Json.Serialization;\nusing ResultCache;\nnamespace Shop;\n" + types + "\n" + camelService);

        Assert.Equal(Signature(defaultAlone, "Reports.Get"), Signature(together, "Reports.Get"));
        Assert.Equal(Signature(camelAlone, "CamelReports.Get"), Signature(together, "CamelReports.Get"));
    }

    [Fact]
    public void Layout_options_keep_the_key_and_nullable_annotations_count_only_when_respected()
    {
        const string types = "public record Report(string Source);";
        const string respect = "[JsonSourceGenerationOptions(RespectNullableAnnotations = true)]";

        Assert.Equal(Signature(types), Signature(types, "[JsonSourceGenerationOptions(WriteIndented = true)]"));
        Assert.NotEqual(Signature(types, respect), Signature("public record Report(string? Source);", respect));
    }

    [Fact]
    public void Version_changes_the_key_and_nothing_else()
    {
        const string types = "public record Report(int Count);";
        GeneratorRun unversioned = GeneratorHarness.Run(Source(types));
        GeneratorRun versioned = GeneratorHarness.Run(Source(types, version: 2));

        Assert.NotEqual(Signature(unversioned, "Get"), Signature(versioned, "Get"));
        Assert.Equal(Signature(versioned, "Get"), Signature(GeneratorHarness.Run(Source(types, version: 2)), "Get"));
        Assert.NotEqual(Signature(versioned, "Get"), Signature(GeneratorHarness.Run(Source(types, version: 3)), "Get"));
        // The member and file names stay: they tell overloads apart, not versions.
        Assert.Equal(unversioned.Sources.Select(s => s.HintName), versioned.Sources.Select(s => s.HintName));
        Assert.Equal(unversioned.Text.Replace(Signature(unversioned, "Get"), "?"), versioned.Text.Replace(Signature(versioned, "Get"), "?"));
    }

    [Fact]
    public void Caching_nulls_or_framing_entries_for_fail_safe_changes_the_key_and_other_options_keep_it()
    {
        // A build that caches nulls must not hand its null entries to one that does not, and a fail-safe entry starts
        // with its fresh-until time, which a plain reader would take for the JSON.
        const string types = "public record Report(int Count);";
        string With(string options) => Signature(GeneratorHarness.Run(Template.Replace("{OPTIONS}", "").Replace("{VERSION}", options).Replace("{TYPES}", types)), "Get");

        string plain = With("");
        Assert.NotEqual(plain, With(", CacheNulls = true"));
        Assert.NotEqual(plain, With(", FailSafeSeconds = 60"));
        Assert.NotEqual(With(", CacheNulls = true"), With(", FailSafeSeconds = 60"));
        Assert.Equal(With(", FailSafeSeconds = 60"), With(", FailSafeSeconds = 3600")); // the window's length is not in the entry
        Assert.Equal(plain, With(", TtlJitterPercent = 10"));
        Assert.Equal(plain, With(", CacheNulls = false"));
    }

    [Theory]
    [InlineData("Count")]
    [InlineData("URL")]
    [InlineData("URLValue")]
    [InlineData("IOStream")]
    [InlineData("A")]
    [InlineData("ABC")]
    [InlineData("already")]
    [InlineData("Name With Space")]
    [InlineData("ÀBc")]
    [InlineData("X1Y")]
    [InlineData("_Hidden")]
    [InlineData("")]
    public void Camel_case_matches_the_serializer(string name)
    {
        Assert.Equal(JsonNamingPolicy.CamelCase.ConvertName(name), JsonContract.CamelCase(name));
    }

    private static string Source(string types, string options = "", int version = 0) => Template
        .Replace("{OPTIONS}", options)
        .Replace("{VERSION}", version == 0 ? string.Empty : ", Version = " + version)
        .Replace("{TYPES}", types);

    private static string Signature(string types, string options = "") => Signature(GeneratorHarness.Run(Source(types, options)), "Get");

    private static string Signature(GeneratorRun run, string method)
    {
        string text = Assert.Single(run.Sources, s => s.HintName.Contains("." + method + ".", StringComparison.Ordinal)).SourceText.ToString();
        return SignatureLiteral().Match(text).Groups[1].Value is { Length: 8 } signature ? signature : throw new InvalidOperationException("No signature in:\n" + text);
    }

    [GeneratedRegex("signature: \"([0-9a-f]+)\"")]
    private static partial Regex SignatureLiteral();
}
