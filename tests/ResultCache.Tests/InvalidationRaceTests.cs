using System.Diagnostics;
using ResultCache.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ResultCache.Tests;

/// <summary>
/// Invalidations raced against many readers: once <c>Invalidate...</c> or <c>InvalidateTag...</c> has returned, no call
/// that starts afterwards gets the value from before it, whatever was in flight (a Redis read, a ...Core run, a write).
/// </summary>
[Trait(Engine.Name, Engine.Garnet)]
public sealed class InvalidationRaceTests(ITestOutputHelper output)
{
    private const int Rounds = 10_000;
    private const int Readers = 16;
    private const int Items = 4;

    public static TheoryData<string> Stores => new() { "redis with a local layer", "redis", "memory" };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task No_call_that_starts_after_an_invalidation_returned_gets_the_value_from_before_it(string kind)
    {
        await using RedisServer? redis = kind == "memory" ? null : await RedisServer.StartAsync();
        CacheStore store = kind == "memory" ? new MemoryCacheStore() : new RedisCacheStore(new RedisCacheStoreOptions
        {
            Configuration = redis!.Configuration,
            LocalCache = kind == "redis" ? null : new LocalCacheOptions { Ttl = TimeSpan.FromSeconds(30) },
            OperationTimeout = TimeSpan.FromSeconds(10),
        });
        using var _ = store as IDisposable;
        var catalog = new Catalog(store);
        long stale = 0;
        long calls = 0;
        using var done = new CancellationTokenSource();

        Task[] readers = Enumerable.Range(0, Readers).Select(reader => Task.Run(async () =>
        {
            var random = new Random(reader);
            while (!done.IsCancellationRequested)
            {
                int item = random.Next(Items);
                bool tagged = random.Next(2) == 0;
                long floor = catalog.Published(item); // published before this call starts: it must see at least this
                long seen = tagged ? await catalog.GetTaggedAsync(item) : await catalog.GetAsync(item);
                Interlocked.Increment(ref calls);
                if (seen < floor)
                {
                    Interlocked.Increment(ref stale);
                }
                await Task.Yield(); // a local hit completes at once: let the other readers and the invalidations run
            }
        })).ToArray();

        while (Interlocked.Read(ref calls) < 1_000)
        {
            await Task.Delay(10);
        }
        var clock = Stopwatch.StartNew();
        var random = new Random(42);
        for (int round = 0; round < Rounds; round++)
        {
            int item = random.Next(Items);
            long version = catalog.Change(item);
            // The change is made, then invalidated; only then is it published as what every later call must see.
            if (round % 2 == 0)
            {
                await catalog.InvalidateGetAsync(item);
                await catalog.InvalidateGetTaggedAsync(item);
            }
            else
            {
                await store.InvalidateTagAsync($"item:{item}");
                await catalog.InvalidateGetAsync(item);
            }
            catalog.Publish(item, version);
            await Task.Yield(); // a memory store invalidates at once: give the readers their turn
        }
        await done.CancelAsync();
        await Task.WhenAll(readers);

        output.WriteLine($"{kind}: {Rounds} rounds, {calls} calls, {catalog.CoreCalls} ...Core runs, {stale} stale, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(calls > Rounds, $"Only {calls} calls raced {Rounds} rounds.");
        Assert.Equal(0, stale);
    }
}

/// <summary>A changing value per item, read by ...Core with a yield between the read and the return to widen every race.</summary>
public sealed partial class Catalog(CacheStore store)
{
    private readonly long[] _current = new long[8];
    private readonly long[] _published = new long[8];
    private int _coreCalls;

    private CacheStore CacheStore => store;

    public int CoreCalls => Volatile.Read(ref _coreCalls);

    public long Change(int item) => Interlocked.Increment(ref _current[item]);

    public void Publish(int item, long version) => Volatile.Write(ref _published[item], version);

    public long Published(int item) => Volatile.Read(ref _published[item]);

    [CacheResult(300)]
    public partial Task<long> GetAsync(int item);

    [CacheResult(300, Tags = new[] { "item:{item}" })]
    public partial Task<long> GetTaggedAsync(int item);

    private Task<long> GetAsyncCore(int item) => ReadAsync(item);

    private Task<long> GetTaggedAsyncCore(int item) => ReadAsync(item);

    private async Task<long> ReadAsync(int item)
    {
        Interlocked.Increment(ref _coreCalls);
        long version = Volatile.Read(ref _current[item]);
        await Task.Yield();
        return version;
    }
}
