using ResultCache.CodeFixes;

namespace ResultCache.Generator.Tests;

/// <summary>The code fixes, before and after.</summary>
public sealed class CodeFixTests
{
    [Fact]
    public async Task Cache_this_method_moves_the_body_into_core_and_keeps_the_docs()
    {
        await Verify.CodeFixAsync<CacheThisMethodCodeFix>("""
            using System.Threading.Tasks;
            using ResultCache;

            namespace Shop;

            public class Catalog
            {
                /// <summary>Gets the price.</summary>
                [CacheResult(60)]
                public async Task<int> {|RC0001:PriceAsync|}(string sku, [CacheKeyIgnore] string traceId)
                {
                    await Task.Yield();
                    return sku.Length; // the body stays as written
                }

                public int Other() => 1;
            }
            """, """
            using System.Threading.Tasks;
            using ResultCache;

            namespace Shop;

            public partial class Catalog
            {
                /// <summary>Gets the price.</summary>
                [CacheResult(60)]
                public partial Task<int> PriceAsync(string sku, [CacheKeyIgnore] string traceId);

                private async Task<int> PriceAsyncCore(string sku, string traceId)
                {
                    await Task.Yield();
                    return sku.Length; // the body stays as written
                }

                public int Other() => 1;
            }
            """);
    }

    [Fact]
    public async Task A_missing_TtlFrom_method_gets_a_stub_returning_the_attributes_TTL()
    {
        await Verify.CodeFixAsync<AddMethodStubCodeFix>("""
            using System.Threading.Tasks;
            using ResultCache;

            namespace Shop;

            public partial class Orders
            {
                [CacheResult(3600, {|RC0018:TtlFrom = "TtlOf"|})]
                public partial Task<int> CountAsync(int shop);

                private Task<int> CountAsyncCore(int shop) => Task.FromResult(shop);
            }
            """, """
            using System.Threading.Tasks;
            using ResultCache;

            namespace Shop;

            public partial class Orders
            {
                [CacheResult(3600, TtlFrom = "TtlOf")]
                public partial Task<int> CountAsync(int shop);

                private static System.TimeSpan TtlOf(int result) => System.TimeSpan.FromSeconds(3600);

                private Task<int> CountAsyncCore(int shop) => Task.FromResult(shop);
            }
            """);
    }

    [Fact]
    public async Task A_missing_ManyCore_gets_a_stub_with_the_batch_signature()
    {
        await Verify.CodeFixAsync<AddMethodStubCodeFix>("""
            using System.Threading.Tasks;
            using ResultCache;

            namespace Shop;

            public partial class Orders
            {
                [CacheResult(60, {|RC0020:BatchBy = nameof(id)|})]
                public partial Task<int> CountAsync(int id, string region);

                private Task<int> CountAsyncCore(int id, string region) => Task.FromResult(id);
            }
            """, """
            using System.Threading.Tasks;
            using ResultCache;

            namespace Shop;

            public partial class Orders
            {
                [CacheResult(60, BatchBy = nameof(id))]
                public partial Task<int> CountAsync(int id, string region);

                private Task<System.Collections.Generic.IReadOnlyDictionary<int, int>> CountManyAsyncCore(System.Collections.Generic.IReadOnlyList<int> ids, string region) => throw new System.NotImplementedException();

                private Task<int> CountAsyncCore(int id, string region) => Task.FromResult(id);
            }
            """);
    }

    [Fact]
    public async Task A_store_in_a_field_gets_a_CacheStore_member_that_reads_it()
    {
        await Verify.CodeFixAsync<AddCacheStoreMemberCodeFix>("""
            using ResultCache;

            namespace Shop;

            public partial class Reports
            {
                private readonly CacheStore _store;

                public Reports(CacheStore store) => _store = store;

                [CacheResult(60)]
                public partial int {|RC0016:Count|}(int id);

                private int CountCore(int id) => id;
            }
            """, """
            using ResultCache;

            namespace Shop;

            public partial class Reports
            {
                private readonly CacheStore _store;

                private CacheStore CacheStore => _store;

                public Reports(CacheStore store) => _store = store;

                [CacheResult(60)]
                public partial int Count(int id);

                private int CountCore(int id) => id;
            }
            """);
    }

    [Fact]
    public async Task A_store_in_a_primary_constructor_parameter_gets_a_CacheStore_member_that_reads_it()
    {
        await Verify.CodeFixAsync<AddCacheStoreMemberCodeFix>("""
            using ResultCache;

            namespace Shop;

            public partial class Reports(CacheStore store)
            {
                [CacheResult(60)]
                public partial int {|RC0016:Count|}(int id);

                private int CountCore(int id) => id;
            }
            """, """
            using ResultCache;

            namespace Shop;

            public partial class Reports(CacheStore store)
            {
                private CacheStore CacheStore => store;

                [CacheResult(60)]
                public partial int Count(int id);

                private int CountCore(int id) => id;
            }
            """);
    }

    [Fact]
    public async Task Cache_this_method_makes_nested_and_generic_containing_types_partial()
    {
        await Verify.CodeFixAsync<CacheThisMethodCodeFix>("""
            using ResultCache;

            namespace Shop
            {
                public class Outer<T>
                {
                    internal record Inner
                    {
                        [CacheResult(30)]
                        static int {|RC0001:Twice|}(int value) => value * 2;
                    }
                }
            }
            """, """
            using ResultCache;

            namespace Shop
            {
                public partial class Outer<T>
                {
                    internal partial record Inner
                    {
                        [CacheResult(30)]
                        private static partial int Twice(int value);

                        private static int TwiceCore(int value) => value * 2;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Cache_this_method_makes_the_type_partial_when_the_method_already_is()
    {
        await Verify.CodeFixAsync<CacheThisMethodCodeFix>("""
            using ResultCache;

            namespace Shop;

            public struct Meter
            {
                [CacheResult(5)]
                public partial long {|RC0001:Read|}(int channel);

                private long ReadCore(int channel) => channel;
            }
            """, """
            using ResultCache;

            namespace Shop;

            public partial struct Meter
            {
                [CacheResult(5)]
                public partial long Read(int channel);

                private long ReadCore(int channel) => channel;
            }
            """);
    }

    [Fact]
    public async Task Cache_this_method_makes_the_outer_type_partial_when_the_nested_one_already_is()
    {
        await Verify.CodeFixAsync<CacheThisMethodCodeFix>("""
            using ResultCache;

            namespace Shop;

            public class Outer
            {
                public partial class Meter
                {
                    [CacheResult(5)]
                    public partial long {|RC0001:Read|}(int channel);

                    private long ReadCore(int channel) => channel;
                }
            }
            """, """
            using ResultCache;

            namespace Shop;

            public partial class Outer
            {
                public partial class Meter
                {
                    [CacheResult(5)]
                    public partial long Read(int channel);

                    private long ReadCore(int channel) => channel;
                }
            }
            """);
    }

    [Fact]
    public void Fixed_code_builds_with_the_generator_and_no_diagnostic()
    {
        const string fixedCode = """
            using System.Threading.Tasks;
            using ResultCache;

            namespace Shop;

            public partial class Outer<T>
            {
                internal partial record Inner
                {
                    /// <summary>Doubles.</summary>
                    [CacheResult(30)]
                    private static partial int Twice(int value);

                    private static int TwiceCore(int value) => value * 2;

                    [CacheResult(60)]
                    public partial Task<int> PriceAsync(string sku, [CacheKeyIgnore] string traceId);

                    private async Task<int> PriceAsyncCore(string sku, string traceId)
                    {
                        await Task.Yield();
                        return sku.Length;
                    }
                }
            }
            """;

        GeneratorRun run = GeneratorHarness.Run(fixedCode, Verify.ModelFile);

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilerDiagnostics);
        Assert.Equal(2, run.Sources.Length);
    }

    [Fact]
    public async Task Add_json_serializable_adds_the_missing_type_to_the_context()
    {
        await Verify.CodeFixAsync<AddJsonSerializableCodeFix>("""
            using ResultCache;

            namespace Shop;

            public sealed record Order(int Id);

            public partial class Orders
            {
                [CacheResult(60)]
                public partial {|RC0007:Order|} Get(int id);

                private Order GetCore(int id) => new(id);
            }
            """, """
            using ResultCache;

            namespace Shop;

            public sealed record Order(int Id);

            public partial class Orders
            {
                [CacheResult(60)]
                public partial Order Get(int id);

                private Order GetCore(int id) => new(id);
            }
            """, Verify.ModelFile.Replace("[JsonSerializable(typeof(double))]", "[JsonSerializable(typeof(double))]\n    [JsonSerializable(typeof(Order))]"));
    }
}
