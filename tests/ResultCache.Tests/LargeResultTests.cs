using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Tests;

/// <summary>Large results in Redis: compressed above the threshold, capped per entry, and older plain entries still read.</summary>
public sealed class LargeResultTests
{
    private readonly LogSink _log = new();

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_5_MB_compressible_result_is_stored_compressed_and_read_back_equal()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var documents = new LargeDocuments(store);

        Document first = await documents.GetAsync(5 * 1024 * 1024);
        Document second = await documents.GetAsync(5 * 1024 * 1024);

        Assert.Equal(1, documents.CoreCalls);
        Assert.Equal(first.Lines, second.Lines);
        int json = JsonSerializer.SerializeToUtf8Bytes(first, LargeJson.Default.Document).Length;
        Assert.True(json > 5 * 1024 * 1024, $"The result's JSON is {json} bytes.");
        long stored = await redis.Admin.StringLengthAsync(Assert.Single(redis.Keys()));
        Assert.True(stored < json / 2, $"Stored {stored} bytes for {json} bytes of JSON.");
        Assert.Equal(RedisStatus.Available, store.Status);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_result_over_the_cap_is_returned_not_stored_not_thrown_counted_and_logged_once()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var metrics = new MetricRecorder();
        using RedisCacheStore store = NewStore(redis, maxEntryBytes: 64 * 1024);
        var documents = new LargeDocuments(store);
        const string Method = "ResultCache.Tests.LargeDocuments.GetRandomAsync";

        Document first = await documents.GetRandomAsync(256 * 1024);   // random text: compression cannot bring it under 64 KB
        Document second = await documents.GetRandomAsync(256 * 1024);
        Document small = await documents.GetRandomAsync(1024);

        Assert.True(first.Lines.Sum(l => l.Length) >= 256 * 1024);
        Assert.Equal(first.Lines, second.Lines);
        Assert.Equal(2, documents.CoreCalls - 1); // each large call computed; the small one was stored
        Assert.Single(redis.Keys());
        Assert.Equal(2, metrics.Sum("cache.too_large", "cache.method", Method));
        Assert.Equal(1, _log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains(Method) && e.Message.Contains("MaxEntryBytes")));
        Assert.Equal(RedisStatus.Available, store.Status);
    }

    [Fact]
    public async Task A_result_over_the_cap_is_never_sent_to_redis()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis, maxEntryBytes: 64 * 1024);
        var documents = new LargeDocuments(store);
        await documents.GetRandomAsync(1024); // connected, and one entry stored
        Assert.Equal(1, await SetCallsAsync(redis)); // the command counter works: the small result's SET is in it

        await documents.GetRandomAsync(256 * 1024);

        Assert.Equal(2, documents.CoreCalls);
        Assert.Equal(1, await SetCallsAsync(redis));
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [InlineData(100)]
    [InlineData(64 * 1024)]
    public async Task An_entry_written_as_plain_json_without_a_checksum_is_a_logged_miss_once_then_rewritten(int size)
    {
        // Entries of versions before the checksum were JSON alone: a JSON value cut short can still be valid JSON of
        // another value, so they are not trusted; each is read as a miss once and replaced.
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var documents = new LargeDocuments(store);
        Document computed = await documents.GetAsync(size);
        string key = Assert.Single(redis.Keys());
        var old = new Document(["written by an earlier version", new string('x', size)]);
        await redis.Admin.StringSetAsync(key, JsonSerializer.SerializeToUtf8Bytes(old, LargeJson.Default.Document));

        Document read = await documents.GetAsync(size);
        Document again = await documents.GetAsync(size);

        Assert.Equal(computed.Lines, read.Lines);
        Assert.Equal(computed.Lines, again.Lines);
        Assert.Equal(2, documents.CoreCalls);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("could not be read"));
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task With_compression_off_entries_are_plain_json_and_compressed_ones_still_read()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using (RedisCacheStore compressing = NewStore(redis))
        {
            await new LargeDocuments(compressing).GetAsync(100_000);
        }
        using RedisCacheStore plain = NewStore(redis, compressAbove: null);
        var documents = new LargeDocuments(plain);

        Document compressedEntry = await documents.GetAsync(100_000);
        Document plainEntry = await documents.GetAsync(200_000);

        Assert.Equal(0, documents.CoreCalls - 1); // the first read the other store's compressed entry
        Assert.True(compressedEntry.Lines.Sum(l => l.Length) >= 100_000);
        string plainKey = redis.Keys().Single(k => redis.Admin.StringLength(k) > 200_000);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(plainEntry, LargeJson.Default.Document), ((byte[])redis.Admin.StringGet(plainKey)!)[8..]); // after the checksum
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task A_corrupt_compressed_entry_is_a_miss_logged_and_overwritten()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var documents = new LargeDocuments(store);
        await documents.GetAsync(100_000);
        string key = Assert.Single(redis.Keys());
        byte[] stored = (byte[])redis.Admin.StringGet(key)!;
        await redis.Admin.StringSetAsync(key, stored[..(stored.Length / 2)]); // cut short

        Document read = await documents.GetAsync(100_000);
        Document again = await documents.GetAsync(100_000);

        Assert.True(read.Lines.Sum(l => l.Length) >= 100_000);
        Assert.Equal(read.Lines, again.Lines);
        Assert.Equal(2, documents.CoreCalls);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("could not be read"));
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task Tagged_and_fail_safe_entries_keep_their_header_in_front_of_the_compressed_json()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var documents = new LargeDocuments(store);

        Document tagged = await documents.GetTaggedAsync("a", 100_000);
        Document taggedAgain = await documents.GetTaggedAsync("a", 100_000);
        Document failSafe = await documents.GetFailSafeAsync(100_000);
        Document failSafeAgain = await documents.GetFailSafeAsync(100_000);

        Assert.Equal(2, documents.CoreCalls);
        Assert.Equal(tagged.Lines, taggedAgain.Lines);
        Assert.Equal(failSafe.Lines, failSafeAgain.Lines);
        foreach (string key in redis.Keys("rc:ResultCache.Tests.LargeDocuments.*"))
        {
            Assert.True(await redis.Admin.StringLengthAsync(key) < 100_000 / 2, key);
        }

        string name = "a";
        await store.InvalidateTagAsync($"doc:{name}");
        await documents.GetTaggedAsync("a", 100_000);
        Assert.Equal(3, documents.CoreCalls);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task The_local_layer_weighs_a_compressed_entry_by_its_json_not_its_stored_bytes()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var metrics = new MetricRecorder();
        using RedisCacheStore store = new(new RedisCacheStoreOptions
        {
            Configuration = redis.Configuration,
            Logger = _log,
            LocalCache = new LocalCacheOptions { Ttl = TimeSpan.FromSeconds(30), MaxEntryBytes = 128 * 1024 },
        });
        var documents = new LargeDocuments(store);

        await documents.GetAsync(200_000); // about 200 KB of JSON, stored in well under 128 KB
        await documents.GetAsync(200_000);

        Assert.True(await redis.Admin.StringLengthAsync(Assert.Single(redis.Keys())) < 128 * 1024);
        Assert.Equal(0, store.InProcessCount);
        Assert.Equal(2, metrics.Sum("cache.too_large", "cache.method", "ResultCache.Tests.LargeDocuments.GetAsync")); // its write, then its read
        Assert.Equal(1, documents.CoreCalls);
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Fact]
    public async Task One_megabyte_hits_on_loopback_stay_within_the_default_operation_timeout()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = new(new RedisCacheStoreOptions { Configuration = redis.Configuration, Logger = _log });
        var documents = new LargeDocuments(store);

        for (int i = 0; i < 20; i++)
        {
            await documents.GetRandomAsync(1024 * 1024); // random text: the full megabyte crosses the wire
        }

        Assert.Equal(1, documents.CoreCalls);
        Assert.Equal(RedisStatus.Available, store.Status);
        Assert.Equal(0, _log.Count(LogLevel.Warning));
    }

    // How many writes the server has run, from INFO commandstats ("cmdstat_psetex:calls=N,..."): the client sends
    // SET, SETEX or PSETEX depending on the expiry.
    private static async Task<long> SetCallsAsync(RedisServer redis)
    {
        string info = (await redis.Admin.ExecuteAsync("INFO", "commandstats")).ToString();
        return info.Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("cmdstat_set:", StringComparison.Ordinal) || l.StartsWith("cmdstat_setex:", StringComparison.Ordinal) || l.StartsWith("cmdstat_psetex:", StringComparison.Ordinal))
            .Sum(l => long.Parse(l.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    private RedisCacheStore NewStore(RedisServer redis, long maxEntryBytes = 8 * 1024 * 1024, int? compressAbove = 4096) => new(new RedisCacheStoreOptions
    {
        Configuration = redis.Configuration,
        Logger = _log,
        MaxEntryBytes = maxEntryBytes,
        CompressAbove = compressAbove,
    });
}

public sealed record Document(List<string> Lines);

[JsonSerializable(typeof(Document))]
public sealed partial class LargeJson : JsonSerializerContext;

/// <summary>Results of a chosen size: report-like lines that compress as text does, or random text that does not.</summary>
[CacheSerializer(typeof(LargeJson))]
public sealed partial class LargeDocuments(CacheStore store)
{
    private int _coreCalls;

    private CacheStore CacheStore => store;

    public int CoreCalls => Volatile.Read(ref _coreCalls);

    [CacheResult(300)]
    public partial Task<Document> GetAsync(int size);

    [CacheResult(300)]
    public partial Task<Document> GetRandomAsync(int size);

    [CacheResult(300, Tags = new[] { "doc:{name}" })]
    public partial Task<Document> GetTaggedAsync(string name, int size);

    [CacheResult(300, FailSafeSeconds = 600)]
    public partial Task<Document> GetFailSafeAsync(int size);

    private Task<Document> GetAsyncCore(int size) => Compute(size, random: false);

    private Task<Document> GetRandomAsyncCore(int size) => Compute(size, random: true);

    private Task<Document> GetTaggedAsyncCore(string name, int size) => Compute(size, random: false);

    private Task<Document> GetFailSafeAsyncCore(int size) => Compute(size, random: false);

    private Task<Document> Compute(int size, bool random)
    {
        Interlocked.Increment(ref _coreCalls);
        var lines = new List<string>();
        var generator = new Random(size);
        int length = 0;
        while (length < size)
        {
            string line = random
                ? Convert.ToBase64String(RandomBytes(generator, 96))
                : $"order {lines.Count:D7} customer {generator.Next(1000):D4} status {(lines.Count % 3 == 0 ? "shipped" : "paid")} total {generator.Next(100_000) / 100m}";
            lines.Add(line);
            length += line.Length;
        }
        return Task.FromResult(new Document(lines));
    }

    private static byte[] RandomBytes(Random generator, int count)
    {
        var bytes = new byte[count];
        generator.NextBytes(bytes);
        return bytes;
    }
}
