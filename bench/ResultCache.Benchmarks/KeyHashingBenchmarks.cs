using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace ResultCache.Benchmarks;

/// <summary>Scenario 6: building the key alone, against building the string key a hand-written cache uses.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KeyHashingBenchmarks
{
    private static readonly Guid Project = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly string LongText = new('x', 200);
    private static readonly DateOnly Day = new(2026, 11, 26);
    private const long Seed = 0x5EED;

    [Benchmark(Baseline = true), BenchmarkCategory("1 argument")]
    public string StringKey_1() => $"stats:{Project}";

    [Benchmark, BenchmarkCategory("1 argument")]
    public UInt128 ResultCache_1()
    {
        var key = new CacheKeyWriter(stackalloc byte[CacheKeyWriter.StackBufferSize]);
        key.Write(Project);
        return key.ToHash(Seed);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("3 arguments")]
    public string StringKey_3() => $"stats:{Project}:{42}:{"eu-west"}";

    [Benchmark, BenchmarkCategory("3 arguments")]
    public UInt128 ResultCache_3()
    {
        var key = new CacheKeyWriter(stackalloc byte[CacheKeyWriter.StackBufferSize]);
        key.Write(Project);
        key.Write(42);
        key.Write("eu-west");
        return key.ToHash(Seed);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("8 arguments, one of 200 characters")]
    public string StringKey_8() => $"stats:{Project}:{42}:{7L}:{LongText}:{Day}:{true}:{2.5}:{Region.South}";

    [Benchmark, BenchmarkCategory("8 arguments, one of 200 characters")]
    public UInt128 ResultCache_8()
    {
        var key = new CacheKeyWriter(stackalloc byte[CacheKeyWriter.StackBufferSize]);
        key.Write(Project);
        key.Write(42);
        key.Write(7L);
        key.Write(LongText);
        key.Write(Day);
        key.Write(true);
        key.Write(2.5);
        key.WriteEnum(Region.South);
        return key.ToHash(Seed);
    }
}
