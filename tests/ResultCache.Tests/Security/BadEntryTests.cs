using Microsoft.Extensions.Logging;
using ResultCache.Testing;
using ResultCache.Tests.Infrastructure;
using StackExchange.Redis;

namespace ResultCache.Tests.Security;

/// <summary>
/// Whatever sits under a key of ours in Redis (bytes, another Redis type, any size), a call gets the right value, the
/// bad entry is a logged miss, and the next computed value replaces it: the call after is a hit again.
/// </summary>
public sealed class BadEntryTests
{
    private const int Cap = 8 * 1024 * 1024; // MaxEntryBytes's default

    private readonly LogSink _log = new();

    /// <summary>What a hostile (or merely unlucky) neighbour can leave under an entry's key.</summary>
    public static TheoryData<string> Poisons => new()
    {
        "random bytes", "empty string", "json null", "truncated copy", "json of another type", "nested arrays",
        "compressed, declaring 2 GB", "compressed, cut short", "over the cap", "list", "hash", "set",
    };

    private static readonly string[] Checksummed = ["json null", "json of another type", "nested arrays", "compressed, declaring 2 GB", "compressed, cut short"];

    /// <summary>The kinds of entry: plain JSON, one framed with tag versions, one framed with a fail-safe time.</summary>
    public static TheoryData<string> Kinds => new() { "plain", "tagged", "fail-safe" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Every_bad_entry_is_a_logged_miss_the_right_value_and_replaced_so_the_next_call_hits(string kind)
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var ledger = new Ledger(store);
        int id = 0;
        foreach (string poison in Poisons)
        {
            id++;
            string entryKey = await FillAsync(redis, () => ledger.Get(kind, id));
            int computed = ledger.CoreCalls;
            int warnings = Warnings();

            await PoisonAsync(redis, entryKey, poison);

            Assert.Equal(Ledger.Expected(id), await ledger.Get(kind, id));
            Assert.True(ledger.CoreCalls == computed + 1, $"{kind}, {poison}: the bad entry was served instead of computed.");
            // Behind a valid checksum, bytes under a tagged key that do not start with the tag's current version are
            // what an entry of an invalidated version is: an ordinary miss, not logged. Every other bad entry is.
            if (!(kind == "tagged" && Checksummed.Contains(poison)))
            {
                Assert.True(Warnings() > warnings, $"{kind}, {poison}: the bad entry was not logged.");
            }
            Assert.Equal(Ledger.Expected(id), await ledger.Get(kind, id));
            Assert.True(ledger.CoreCalls == computed + 1, $"{kind}, {poison}: the entry was not replaced, so the next call computed again.");
            Assert.Equal(RedisType.String, await redis.Admin.KeyTypeAsync(entryKey));
        }
        Assert.Equal(RedisStatus.Available, store.Status);
    }

    [Theory]
    [Trait(Engine.Name, Engine.Garnet)]
    [InlineData("text")]
    [InlineData("list")]
    public async Task A_tag_version_key_that_holds_no_version_is_replaced_so_calls_hit_again(string poison)
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using RedisCacheStore store = NewStore(redis);
        var ledger = new Ledger(store);
        await ledger.GetTaggedAsync(1);
        string tagKey = store.Keys.Tag(((CacheTag)"ledger:1").ToHash());
        Assert.Equal(RedisType.String, await redis.Admin.KeyTypeAsync(tagKey));

        await redis.Admin.KeyDeleteAsync(tagKey);
        if (poison == "list")
        {
            await redis.Admin.ListRightPushAsync(tagKey, "not a version");
        }
        else
        {
            await redis.Admin.StringSetAsync(tagKey, "not a number");
        }

        Assert.Equal(Ledger.Expected(1), await ledger.GetTaggedAsync(1));
        Assert.Equal(2, ledger.CoreCalls); // the tag moved on: its entries miss once
        Assert.Equal(Ledger.Expected(1), await ledger.GetTaggedAsync(1));
        Assert.Equal(Ledger.Expected(1), await ledger.GetTaggedAsync(1));
        Assert.Equal(2, ledger.CoreCalls); // and hit again after that
        Assert.True((await redis.Admin.StringGetAsync(tagKey)).TryParse(out long _), "The tag's version key was not healed.");
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(tagKey));
    }

    [Trait(Engine.Name, Engine.Garnet)]
    [Theory]
    [InlineData("text")]
    [InlineData("list")]
    [InlineData("token without expiry")]
    public async Task A_lease_key_that_no_instance_wrote_is_deleted_and_never_stalls_a_call(string poison)
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var leaseTime = TimeSpan.FromSeconds(2);
        using RedisCacheStore store = NewStore(redis, leaseTime);
        var ledger = new Ledger(store);
        string entryKey = await FillAsync(redis, () => ledger.GetLeasedAsync(1));
        string leaseKey = entryKey + ":lease";
        await redis.Admin.KeyDeleteAsync(entryKey);
        switch (poison)
        {
            case "list":
                await redis.Admin.ListRightPushAsync(leaseKey, "x");
                break;
            case "text":
                await redis.Admin.StringSetAsync(leaseKey, "held by nobody");
                break;
            default:
                await redis.Admin.StringSetAsync(leaseKey, Guid.NewGuid().ToString("N")); // looks like a holder, never expires
                break;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(Ledger.Expected(1), await ledger.GetLeasedAsync(1));
        TimeSpan first = clock.Elapsed;
        Assert.Equal(Ledger.Expected(1), await ledger.GetLeasedAsync(1));

        Assert.Equal(2, ledger.CoreCalls);
        Assert.False(await redis.Admin.KeyExistsAsync(leaseKey), "The foreign lease key is still there.");
        // A foreign value is seen at once; a token with no expiry once a lease time has passed.
        TimeSpan bound = poison == "token without expiry" ? leaseTime + TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(1);
        Assert.True(first < bound, $"The call took {first.TotalMilliseconds:F0} ms.");

        // The next miss takes the lease at once: no wait at all.
        await redis.Admin.KeyDeleteAsync(entryKey);
        clock.Restart();
        Assert.Equal(Ledger.Expected(1), await ledger.GetLeasedAsync(1));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"The miss after took {clock.Elapsed.TotalMilliseconds:F0} ms.");
    }

    private int Warnings() => _log.Entries.Count(e => e.Level >= LogLevel.Warning);

    private static async Task<string> FillAsync(RedisServer redis, Func<Task<Stats>> call)
    {
        string[] before = redis.Keys();
        await call();
        return Assert.Single(redis.Keys().Except(before), k => !k.Contains(":tag:", StringComparison.Ordinal));
    }

    private static async Task PoisonAsync(RedisServer redis, string key, string poison)
    {
        IDatabase db = redis.Admin;
        byte[] real = (await db.StringGetAsync(key))!;
        await db.KeyDeleteAsync(key);
        switch (poison)
        {
            case "list":
                await db.ListRightPushAsync(key, real);
                return;
            case "hash":
                await db.HashSetAsync(key, "field", real);
                return;
            case "set":
                await db.SetAddAsync(key, real);
                return;
        }
        byte[] bytes = poison switch
        {
            "random bytes" => Random.Shared.GetItems(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 64),
            "empty string" => [],
            "json null" => HostileEntries.WithChecksum("null"u8), // framed as this build frames: only the null is wrong
            "truncated copy" => real[..(real.Length / 2)],
            "json of another type" => HostileEntries.WithChecksum("\"a string, not Stats\""u8),
            "nested arrays" => HostileEntries.WithChecksum(System.Text.Encoding.ASCII.GetBytes(new string('[', 100_000))),
            "compressed, declaring 2 GB" => HostileEntries.WithChecksum(HostileEntries.Compressed(declared: 2_000_000_000, block: Cap - 13)), // exactly the cap
            "compressed, cut short" => HostileEntries.WithChecksum(HostileEntries.Compressed(declared: 1000, block: 10)),
            "over the cap" => new byte[Cap + 1],
            _ => throw new ArgumentOutOfRangeException(nameof(poison), poison, null),
        };
        await db.StringSetAsync(key, bytes);
    }

    private RedisCacheStore NewStore(RedisServer redis, TimeSpan? leaseTime = null) => new(new RedisCacheStoreOptions
    {
        Configuration = redis.Configuration,
        Logger = _log,
        LeaseTime = leaseTime ?? TimeSpan.FromSeconds(5),
        OperationTimeout = TimeSpan.FromSeconds(5),
    });
}

/// <summary>One method per kind of entry, each computing the same value for an id.</summary>
public sealed partial class Ledger(CacheStore store)
{
    private int _coreCalls;

    private CacheStore CacheStore => store;

    public int CoreCalls => Volatile.Read(ref _coreCalls);

    public static Stats Expected(int id) => new(new Guid(id, 0, 0, new byte[8]), new DateOnly(2026, 12, 4), id);

    public Task<Stats> Get(string kind, int id) => kind switch
    {
        "plain" => GetPlainAsync(id),
        "tagged" => GetTaggedAsync(id),
        "fail-safe" => GetFailSafeAsync(id),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    [CacheResult(300)]
    public partial Task<Stats> GetPlainAsync(int id);

    [CacheResult(300, Tags = new[] { "ledger:{id}" })]
    public partial Task<Stats> GetTaggedAsync(int id);

    [CacheResult(300, FailSafeSeconds = 600)]
    public partial Task<Stats> GetFailSafeAsync(int id);

    [CacheResult(300, SingleFlightAcrossInstances = true)]
    public partial Task<Stats> GetLeasedAsync(int id);

    private Task<Stats> GetPlainAsyncCore(int id) => Compute(id);

    private Task<Stats> GetTaggedAsyncCore(int id) => Compute(id);

    private Task<Stats> GetFailSafeAsyncCore(int id) => Compute(id);

    private Task<Stats> GetLeasedAsyncCore(int id) => Compute(id);

    private Task<Stats> Compute(int id)
    {
        Interlocked.Increment(ref _coreCalls);
        return Task.FromResult(Expected(id));
    }
}
