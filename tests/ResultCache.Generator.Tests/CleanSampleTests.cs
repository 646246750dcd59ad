namespace ResultCache.Generator.Tests;

/// <summary>A realistic file of valid cached methods builds with no diagnostic at all: no false positives.</summary>
public sealed class CleanSampleTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using ResultCache;

        namespace Shop.Services;

        public enum Channel { Web, Store }

        public partial class CatalogService(CacheStore store)
        {
            private CacheStore CacheStore => store;

            [CacheResult(300)] public partial Task<Product> GetProductAsync(Guid id, CancellationToken ct = default);
            [CacheResult(300)] public partial Task<Product?> FindProductAsync(string sku, CancellationToken ct = default);
            [CacheResult(60)] public partial ValueTask<int> CountAsync(Channel channel, DateOnly day);
            [CacheResult(60)] public partial int Count(Channel? channel, int[] shelves);
            [CacheResult(60)] public partial decimal Price(string sku, decimal discount, DateTimeOffset at);
            [CacheResult(60)] public partial string Label(Guid? id, TimeSpan window, TimeOnly opens);
            [CacheResult(60)] public partial long Stock(List<string> skus, IReadOnlyList<Channel> channels);
            [CacheResult(60)] public partial Product Search(Query query, [CacheKeyIgnore] string traceId);
            [CacheResult(60)] public partial int Convert(Money money);
            [CacheResult(60, CacheNulls = true)] public partial string? Describe(long id, bool verbose);
            [CacheResult(60)] internal partial int Internal(char c, byte b, short s, ushort us, uint ui, ulong ul, float f, double d);
            [CacheResult(60)] protected internal partial int Wide(Int128 a, UInt128 b, sbyte c, DateTime d);
            [CacheResult(60)] private partial int Private(params string[] names);
            [CacheResult(60)] public static partial int Static(int value);
            [CacheResult(60)] public partial int Overload(int value);
            [CacheResult(60)] public partial int Overload(string value);
            [CacheResult(60)] public partial Task<int> NoArgumentsAsync();

            private Task<Product> GetProductAsyncCore(Guid id, CancellationToken ct) => Task.FromResult(new Product(id, "p"));
            private Task<Product?> FindProductAsyncCore(string sku, CancellationToken ct) => Task.FromResult<Product?>(null);
            private ValueTask<int> CountAsyncCore(Channel channel, DateOnly day) => new(1);
            private int CountCore(Channel? channel, int[] shelves) => shelves.Length;
            private decimal PriceCore(string sku, decimal discount, DateTimeOffset at) => discount;
            private string LabelCore(Guid? id, TimeSpan window, TimeOnly opens) => "l";
            private long StockCore(List<string> skus, IReadOnlyList<Channel> channels) => skus.Count;
            private Product SearchCore(Query query, string traceId) => new(Guid.Empty, query.Text);
            private int ConvertCore(Money money) => 1;
            private string? DescribeCore(long id, bool verbose) => null;
            private int InternalCore(char c, byte b, short s, ushort us, uint ui, ulong ul, float f, double d) => 0;
            private int WideCore(Int128 a, UInt128 b, sbyte c, DateTime d) => 0;
            private int PrivateCore(params string[] names) => names.Length;
            private static int StaticCore(int value) => value;
            private int OverloadCore(int value) => value;
            private int OverloadCore(string value) => value.Length;
            private Task<int> NoArgumentsAsyncCore() => Task.FromResult(0);
        }

        public partial class Repository<TEntity> where TEntity : class
        {
            [CacheResult(30)] public partial int Count(string filter);
            private int CountCore(string filter) => filter.Length;
        }

        public partial struct Reading
        {
            [CacheResult(30)] public partial double Value(int sensor);
            private double ValueCore(int sensor) => sensor;
        }

        public partial record Report(string Name)
        {
            [CacheResult(30)] public partial string Render(DateOnly day);
            private string RenderCore(DateOnly day) => Name;
        }

        // Every modifier a declaration may carry is repeated by its implementation.
        public partial class Pricing
        {
            [CacheResult(30)] public virtual partial int Base(int id);
            [CacheResult(30)] protected internal virtual partial int Wide(int id);
            public int Plain(int id) => id;
            private int BaseCore(int id) => id;
            private int WideCore(int id) => id;
        }

        public partial class RegionalPricing : Pricing
        {
            [CacheResult(30)] public sealed override partial int Base(int id);
            [CacheResult(30)] protected internal override partial int Wide(int id);
            [CacheResult(30)] public new partial int Plain(int id);
            [CacheResult(30)] public unsafe partial int Unsafe(int id);
            private int BaseCore(int id) => id + 1;
            private int WideCore(int id) => id + 1;
            private int PlainCore(int id) => id + 2;
            private int UnsafeCore(int id) => id;
        }

        public partial struct Gauge
        {
            [CacheResult(30)] public readonly partial double Read(int sensor);
            private readonly double ReadCore(int sensor) => sensor;
        }
        """;

    [Fact]
    public void Twenty_seven_valid_cached_methods_build_without_any_diagnostic()
    {
        GeneratorRun run = GeneratorHarness.Run(Source, Verify.ModelFile);

        Assert.Equal(27, run.Sources.Length);
        Assert.Empty(run.Diagnostics.Select(d => d.ToString()));
        Assert.True(run.CompilerDiagnostics.IsEmpty, string.Join("\n", run.CompilerDiagnostics.Select(d => d.ToString())));
    }
}
