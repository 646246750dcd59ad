using System.Text.Json.Serialization;

namespace ResultCache.Benchmarks.Soak;

public sealed record SoakDocument(long Id, string Body);

[JsonSerializable(typeof(SoakDocument))]
public sealed partial class SoakJson : JsonSerializerContext;

/// <summary>
/// The service under the soak: documents read by id (kept 5 minutes, tagged by group) and one-off searches (kept 5 s),
/// whose <c>...Core</c> takes a millisecond, as a database round trip would.
/// </summary>
[CacheSerializer(typeof(SoakJson))]
public sealed partial class SoakDocuments(CacheStore store)
{
    public const int Groups = 500;

    private long _coreRuns;

    private CacheStore CacheStore => store;

    public long CoreRuns => Interlocked.Read(ref _coreRuns);

    [CacheResult(300, Tags = new[] { "group:{group}" })]
    public partial Task<SoakDocument> GetAsync(long id, int group);

    [CacheResult(5)]
    public partial Task<SoakDocument> SearchAsync(long query);

    private Task<SoakDocument> GetAsyncCore(long id, int group) => LoadAsync(id);

    private Task<SoakDocument> SearchAsyncCore(long query) => LoadAsync(query);

    private async Task<SoakDocument> LoadAsync(long id)
    {
        Interlocked.Increment(ref _coreRuns);
        await Task.Delay(1).ConfigureAwait(false);
        return SoakDatabase.Load(id);
    }
}

/// <summary>
/// What the "database" holds: each document's body is a slice of one random text, 100 B to 50 KB long (log-uniform by
/// id), so a caller can check that it got the document it asked for, byte for byte.
/// </summary>
public static class SoakDatabase
{
    private const int MinSize = 100;
    private const int MaxSize = 50_000;
    private const int Offsets = 4096;

    private static readonly string Text = RandomText(MaxSize + Offsets);

    public static SoakDocument Load(long id) => new(id, Text.Substring(Offset(id), Size(id)));

    public static bool IsRight(long id, SoakDocument document) =>
        document.Id == id && document.Body.AsSpan().SequenceEqual(Text.AsSpan(Offset(id), Size(id)));

    public static int Size(long id) => (int)(MinSize * Math.Pow((double)MaxSize / MinSize, Unit(id)));

    private static int Offset(long id) => (int)((ulong)id % Offsets);

    // A fixed, well-mixed number in [0, 1) per id.
    private static double Unit(long id) => ((ulong)id * 0x9E3779B97F4A7C15UL >> 11) / (double)(1UL << 53);

    private static string RandomText(int length)
    {
        var random = new Random(7);
        return string.Create(length, random, static (span, random) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + random.Next(26));
            }
        });
    }
}
