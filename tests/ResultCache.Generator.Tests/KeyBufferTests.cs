using System.Text.RegularExpressions;

namespace ResultCache.Generator.Tests;

/// <summary>
/// A key made only of fixed-width values gets a stack buffer of exactly the bytes the runtime's key writer writes for
/// them: a smaller one would spill to a pooled array on every call, a larger one clears stack for nothing.
/// </summary>
public sealed partial class KeyBufferTests
{
    public static TheoryData<string, int> FixedWidth => new()
    {
        { "bool", Written((ref CacheKeyWriter w) => w.Write(true)) },
        { "byte", Written((ref CacheKeyWriter w) => w.Write((byte)1)) },
        { "char", Written((ref CacheKeyWriter w) => w.Write('c')) },
        { "short", Written((ref CacheKeyWriter w) => w.Write((short)1)) },
        { "int", Written((ref CacheKeyWriter w) => w.Write(1)) },
        { "uint", Written((ref CacheKeyWriter w) => w.Write(1u)) },
        { "long", Written((ref CacheKeyWriter w) => w.Write(1L)) },
        { "float", Written((ref CacheKeyWriter w) => w.Write(1f)) },
        { "double", Written((ref CacheKeyWriter w) => w.Write(1d)) },
        { "decimal", Written((ref CacheKeyWriter w) => w.Write(1.5m)) },
        { "System.Guid", Written((ref CacheKeyWriter w) => w.Write(Guid.NewGuid())) },
        { "System.DateTime", Written((ref CacheKeyWriter w) => w.Write(DateTime.UtcNow)) },
        { "System.DateTimeOffset", Written((ref CacheKeyWriter w) => w.Write(DateTimeOffset.UtcNow)) },
        { "System.DateOnly", Written((ref CacheKeyWriter w) => w.Write(DateOnly.MinValue)) },
        { "System.TimeOnly", Written((ref CacheKeyWriter w) => w.Write(TimeOnly.MinValue)) },
        { "System.TimeSpan", Written((ref CacheKeyWriter w) => w.Write(TimeSpan.FromSeconds(1))) },
        { "System.Int128", Written((ref CacheKeyWriter w) => w.Write(Int128.One)) },
        { "int?", Written((ref CacheKeyWriter w) => w.Write((int?)1)) },
        { "System.Guid?", Written((ref CacheKeyWriter w) => w.Write((Guid?)Guid.NewGuid())) },
        { "System.DayOfWeek", Written((ref CacheKeyWriter w) => w.WriteEnum(DayOfWeek.Friday)) },
        { "System.DayOfWeek?", Written((ref CacheKeyWriter w) => w.WriteEnum((DayOfWeek?)DayOfWeek.Friday)) },
        { "System.StringComparison", Written((ref CacheKeyWriter w) => w.WriteEnum(StringComparison.Ordinal)) },
    };

    [Theory]
    [MemberData(nameof(FixedWidth))]
    public void A_fixed_width_key_gets_a_buffer_of_the_bytes_the_writer_writes(string type, int written)
    {
        Assert.Equal(written, BufferOf($"{type} a"));
    }

    [Fact]
    public void Several_fixed_width_parameters_add_up()
    {
        Assert.Equal(4 + 8 + 17, BufferOf("int a, long b, System.Guid? c"));
    }

    [Theory]
    [InlineData("string a")]
    [InlineData("int a, string b")]
    [InlineData("int[] a")]
    public void A_key_of_varying_width_keeps_the_large_buffer(string parameters)
    {
        Assert.Null(BufferOf(parameters));
    }

    private delegate void Write(ref CacheKeyWriter writer);

    private static int Written(Write write)
    {
        var writer = new CacheKeyWriter(new byte[256]);
        write(ref writer);
        return writer.WrittenBytes.Length;
    }

    // The generated key method's stackalloc size, or null when it takes CacheKeyWriter.StackBufferSize.
    private static int? BufferOf(string parameters)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using ResultCache;
            public static partial class Subject
            {
                [CacheResult(60)]
                public static partial int Get({{parameters}});
                private static int GetCore({{parameters}}) => 0;
            }
            """);
        Assert.Empty(run.CompilerDiagnostics);
        Match size = StackallocSize().Match(run.Text);
        Assert.True(size.Success, run.Text);
        return size.Groups[1].Value == "global::ResultCache.CacheKeyWriter.StackBufferSize" ? null : int.Parse(size.Groups[1].Value);
    }

    [GeneratedRegex(@"stackalloc byte\[([^\]]+)\]")]
    private static partial Regex StackallocSize();
}
