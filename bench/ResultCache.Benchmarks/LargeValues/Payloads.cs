using System.Text.Json.Serialization;

namespace ResultCache.Benchmarks;

// Results of realistic size and shape for the large-value benchmarks: a catalog page of items with varied text and
// numbers, so that they compress as real JSON does (repeated property names, distinct values).
public sealed record Catalog(string Region, List<CatalogItem> Items);

public sealed record CatalogItem(int Id, string Sku, string Name, decimal Price, int Stock, DateTime Updated, string[] Tags);

[JsonSerializable(typeof(Catalog))]
public sealed partial class PayloadJson : JsonSerializerContext;

public static class Payloads
{
    private static readonly string[] s_words = ["blue", "steel", "widget", "compact", "deluxe", "garden", "valve", "cable", "light", "frame", "pro", "mini", "outdoor", "spare", "kit"];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Catalog> s_made = new();

    /// <summary>
    /// A catalog whose JSON is about <paramref name="bytes"/> long; the same instance for the same size, made once, so
    /// that a miss measures the cache and not the making of its value.
    /// </summary>
    public static Catalog Of(int bytes) => s_made.GetOrAdd(bytes, Make);

    private static Catalog Make(int bytes)
    {
        var random = new Random(bytes);
        var items = new List<CatalogItem>();
        int length = 20;
        while (length < bytes)
        {
            int id = items.Count + 1;
            string Word() => s_words[random.Next(s_words.Length)];
            var item = new CatalogItem(id, $"SKU-{random.Next(1_000_000):D6}", $"{Word()} {Word()} {id}", random.Next(100, 100_000) / 100m,
                random.Next(500), new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(random.Next(500_000)), [Word(), Word()]);
            items.Add(item);
            length += 130;
        }
        return new Catalog("eu-west", items);
    }
}
