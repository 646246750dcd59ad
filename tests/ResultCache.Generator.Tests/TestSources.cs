namespace ResultCache.Generator.Tests;

/// <summary>Source texts the generator tests compile: one per shape of cached method.</summary>
internal static class TestSources
{
    /// <summary>Result and parameter types, and a JSON context that stands in for a source-generated one.</summary>
    public const string Model = """
        using System;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;

        namespace Shop
        {
            public sealed record Product(Guid Id, string Name);

            public sealed record Query(string Text, int Page);

            public enum Color { Red, Green }

            public readonly struct Money(decimal amount, string currency) : ResultCache.ICacheKey
            {
                public void WriteCacheKey(ref ResultCache.CacheKeyWriter writer)
                {
                    writer.Write(amount);
                    writer.Write(currency);
                }
            }

            // Hand-written so the tests need no second generator; the attributes are what ResultCache reads.
            [JsonSerializable(typeof(Product))]
            [JsonSerializable(typeof(Query))]
            [JsonSerializable(typeof(int))]
            [JsonSerializable(typeof(long))]
            [JsonSerializable(typeof(decimal))]
            [JsonSerializable(typeof(double))]
            public sealed class ShopJson : JsonSerializerContext
            {
                public ShopJson() : base(null) { }
                public static ShopJson Default { get; } = new();
                protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override JsonTypeInfo? GetTypeInfo(Type type) => null;
            }
        }
        """;

    public const string AssemblySerializer = "[assembly: ResultCache.CacheSerializer(typeof(Shop.ShopJson))]";

    public const string TaskInstance = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using ResultCache;

        namespace Shop;

        public partial class Catalog
        {
            [CacheResult(300)]
            public partial Task<Product> GetProductAsync(Guid id, DateOnly day, CancellationToken ct = default);

            private Task<Product> GetProductAsyncCore(Guid id, DateOnly day, CancellationToken ct) =>
                Task.FromResult(new Product(id, day.ToString()));
        }
        """;

    public const string Tagged = """
        using System;
        using System.Threading.Tasks;
        using ResultCache;

        namespace Shop;

        public enum Region { North, South }

        public static partial class Reports
        {
            [CacheResult(300, Tags = new[] { "project:{projectId}" }, SingleFlightAcrossInstances = true)]
            public static partial ValueTask<Product> GetAsync(Guid projectId, DateOnly day, [CacheKeyIgnore] string traceId);

            private static ValueTask<Product> GetAsyncCore(Guid projectId, DateOnly day, string traceId) =>
                new(new Product(projectId, traceId));

            [CacheResult(60, Tags = new[] { "project:{projectId}", "month:{day:yyyy-MM}", "region:{region}", "{{all}}" }, TtlJitterPercent = 10, FailSafeSeconds = 600)]
            internal static partial int Count(Guid projectId, DateOnly day, Region region);

            private static int CountCore(Guid projectId, DateOnly day, Region region) => day.Day;
        }
        """;

    // Refresh-ahead, timeouts and a TTL chosen by the result, on each shape of method and state.
    public const string Staleness = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using ResultCache;

        namespace Shop;

        public partial class Orders
        {
            [CacheResult(3600, RefreshAheadPercent = 80, TtlFrom = nameof(TtlOf), FailSafeSeconds = 600, SoftTimeoutMilliseconds = 50, HardTimeoutMilliseconds = 2000)]
            public partial Task<Product> GetAsync(Guid id, CancellationToken cancellationToken);

            private Task<Product> GetAsyncCore(Guid id, CancellationToken cancellationToken) => Task.FromResult(new Product(id, "open"));

            // An instance method that reads the arguments too.
            private TimeSpan TtlOf(Product product, Guid id, CancellationToken cancellationToken) =>
                product.Name == "open" ? TimeSpan.FromSeconds(30) : TimeSpan.FromHours(1);

            [CacheResult(60, RefreshAheadPercent = 75)]
            public partial ValueTask<int> CountAsync(CancellationToken cancellationToken);

            private ValueTask<int> CountAsyncCore(CancellationToken cancellationToken) => new(1);

            [CacheResult(60, TtlFrom = nameof(Short), HardTimeoutMilliseconds = 500)]
            public static partial int Total(int shop);

            private static int TotalCore(int shop) => shop;

            private static TimeSpan Short(int total) => total == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(10);
        }
        """;

    // Batch companions of each shape: an instance method with a tag on the batched id and a token, a static sync one.
    public const string Batch = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using ResultCache;

        namespace Shop;

        public partial class Products
        {
            [CacheResult(300, BatchBy = nameof(id), Tags = new[] { "product:{id}" })]
            public partial Task<Product> GetProductAsync(Guid id, string region, CancellationToken cancellationToken = default);

            private Task<Product> GetProductAsyncCore(Guid id, string region, CancellationToken cancellationToken) => Task.FromResult(new Product(id, region));

            private Task<IReadOnlyDictionary<Guid, Product>> GetProductManyAsyncCore(IReadOnlyList<Guid> ids, string region, CancellationToken cancellationToken) =>
                Task.FromResult<IReadOnlyDictionary<Guid, Product>>(new Dictionary<Guid, Product>());

            [CacheResult(60, BatchBy = nameof(shop))]
            internal static partial int Count(int shop);

            private static int CountCore(int shop) => shop;

            private static IReadOnlyDictionary<int, int> CountManyCore(IReadOnlyList<int> shops) => new Dictionary<int, int>();
        }
        """;

    public const string SyncStatic = """
        using ResultCache;

        namespace Shop
        {
            internal static partial class Pricing
            {
                [CacheResult(60)]
                internal static partial int Price(string sku);

                private static int PriceCore(string sku) => sku.Length;
            }
        }
        """;

    public const string ValueTaskNullable = """
        using System.Threading.Tasks;
        using ResultCache;

        namespace Shop;

        public sealed partial class Names
        {
            [CacheResult(30, CacheNulls = true)]
            public partial ValueTask<string?> FindName(int? id);

            private ValueTask<string?> FindNameCore(int? id) => new(id?.ToString());
        }
        """;

    public const string NestedGeneric = """
        using ResultCache;

        namespace Shop;

        public partial class Outer<T>
        {
            public partial record struct Inner
            {
                [CacheResult(10)]
                public partial int Count(long id);

                private int CountCore(long id) => 1;
            }

            protected partial record Named<U>(string Name)
            {
                [CacheResult(10)]
                private partial string Describe();

                private string DescribeCore() => Name;
            }
        }
        """;

    public const string GlobalNamespace = """
        using ResultCache;

        public partial class Counter
        {
            [CacheResult(5)]
            public static partial int Twice(int value);

            private static int TwiceCore(int value) => value * 2;
        }
        """;

    public const string Overloads = """
        using ResultCache;

        namespace Shop;

        public partial class Lookup
        {
            [CacheResult(60)]
            public partial string Get(int id);

            [CacheResult(60)]
            public partial string Get(string code);

            private string GetCore(int id) => id.ToString();

            private string GetCore(string code) => code;
        }
        """;

    public const string KeyEncodings = """
        using System.Collections.Generic;
        using ResultCache;

        namespace Shop;

        public partial class Search
        {
            [CacheResult(60)]
            public partial int Find(
                int? limit, Color color, Color? maybe, int[] ids, List<string?> names, IReadOnlyList<Color> colors,
                Query query, Money money, [CacheKeyIgnore] object trace, params string[] tags);

            private int FindCore(
                int? limit, Color color, Color? maybe, int[] ids, List<string?> names, IReadOnlyList<Color> colors,
                Query query, Money money, object trace, params string[] tags) => 0;
        }
        """;

    public const string StoreAndReceiver = """
        using ResultCache;

        namespace Shop;

        public sealed partial class TenantCatalog(CacheStore store, string tenant) : ICacheKey
        {
            private CacheStore CacheStore { get; } = store;

            public void WriteCacheKey(ref CacheKeyWriter writer) => writer.Write(tenant);

            [CacheResult(120)]
            public partial Product? Find(string sku);

            private Product? FindCore(string sku) => null;
        }
        """;

    public const string NoSerializer = """
        using ResultCache;

        namespace Plain;

        public partial class Clock
        {
            [CacheResult(1)]
            public partial long Ticks(int id);

            private long TicksCore(int id) => id;
        }
        """;
}
