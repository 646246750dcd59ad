using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>Concurrent misses of one key in a process run ...Core once. Alone, so the memory figure is this test's own.</summary>
[Collection(Reliability.ReliabilityCollection.Name)]
[Trait(Engine.Name, Engine.Garnet)]
public sealed partial class SingleFlightTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_hundred_concurrent_cold_callers_run_core_once()
    {
        var service = new FlakyService(new MemoryCacheStore()) { Hold = new TaskCompletionSource() };

        // Each call misses and joins the key's flight before it returns its task; ...Core is held meanwhile.
        Task<int>[] callers = Enumerable.Range(0, 100).Select(_ => service.GetAsync(7)).ToArray();
        Assert.All(callers, c => Assert.False(c.IsCompleted));
        service.Hold.SetResult();
        int[] results = await Task.WhenAll(callers);

        Assert.Equal(1, service.CoreCalls);
        Assert.All(results, r => Assert.Equal(71, r));
    }

    [Fact]
    public async Task Concurrent_sync_callers_share_one_run_too()
    {
        var service = new FlakyService(new MemoryCacheStore()) { Hold = new TaskCompletionSource() };

        Task<int>[] callers = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() => service.Get(3), TaskCreationOptions.LongRunning)).ToArray();
        // Without single flight every thread would be inside ...Core by now; give them a generous moment to get there.
        Assert.False(await Infrastructure.Eventually.TrueAsync(() => service.CoreCalls > 1, TimeSpan.FromMilliseconds(500)));
        service.Hold.SetResult();
        int[] results = await Task.WhenAll(callers);

        Assert.Equal(1, service.CoreCalls);
        Assert.All(results, r => Assert.Equal(31, r));
    }

    [Fact]
    public async Task A_waiter_that_cancels_stops_alone_and_the_others_get_the_result()
    {
        var service = new FlakyService(new MemoryCacheStore()) { Hold = new TaskCompletionSource() };
        Task<int> leader = service.GetAsync(5);
        using var cancel = new CancellationTokenSource();
        Task<int> quitter = service.GetAsync(5, cancel.Token);
        Task<int> patient = service.GetAsync(5);

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quitter);
        Assert.False(leader.IsCompleted);
        service.Hold.SetResult();

        Assert.Equal(51, await leader);
        Assert.Equal(51, await patient);
        Assert.Equal(1, service.CoreCalls);
    }

    [Fact]
    public async Task When_the_leader_cancels_a_waiter_with_a_live_token_runs_core_itself()
    {
        var service = new FlakyService(new MemoryCacheStore()) { Hold = new TaskCompletionSource() };
        using var cancel = new CancellationTokenSource();
        Task<int> leader = service.GetAsync(4, cancel.Token);
        Task<int> waiter = service.GetAsync(4);

        cancel.Cancel(); // cancels the leader's ...Core
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leader);
        service.Hold.SetResult();

        Assert.Equal(42, await waiter); // its own run: the second ...Core execution
        Assert.Equal(2, service.CoreCalls);
    }

    [Fact]
    public async Task When_core_throws_every_waiter_gets_the_exception_and_nothing_is_cached()
    {
        var failure = new InvalidOperationException("database down");
        var service = new FlakyService(new MemoryCacheStore()) { Hold = new TaskCompletionSource(), Failure = failure };
        Task<int>[] callers = Enumerable.Range(0, 10).Select(_ => service.GetAsync(9)).ToArray();
        service.Hold.SetResult();

        foreach (Task<int> caller in callers)
        {
            Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => caller));
        }
        Assert.Equal(1, service.CoreCalls);

        service.Failure = null;
        service.Hold = null;
        Assert.Equal(92, await service.GetAsync(9)); // nothing was cached: ...Core runs again
    }

    [Fact]
    public async Task Concurrent_misses_on_two_stores_do_not_share_a_flight()
    {
        var first = new FlakyService(new MemoryCacheStore()) { Hold = new TaskCompletionSource() };
        var second = new FlakyService(new MemoryCacheStore()) { Hold = first.Hold };
        Task<int> onFirst = first.GetAsync(6);
        Task<int> onSecond = second.GetAsync(6); // same method and key, another store: its own run
        first.Hold.SetResult();
        await Task.WhenAll(onFirst, onSecond);

        Assert.Equal(1, first.CoreCalls);
        Assert.Equal(1, second.CoreCalls);
        await second.GetAsync(6);
        Assert.Equal(1, second.CoreCalls); // and its store holds its own result
    }

    [Fact]
    public async Task A_million_distinct_keys_leave_no_per_key_state_behind()
    {
        var store = new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntries = 1_000, TimeProvider = new FakeTimeProvider() });
        var service = new DistinctKeys(store);
        await RunAsync(0, 100_000); // warm: pools, the store at its bound
        long before = LiveMemory.Bytes();

        await RunAsync(100_000, 1_000_000);
        long after = LiveMemory.Bytes();

        output.WriteLine($"Live managed memory after 100 000 keys: {before / 1024.0 / 1024.0:0.00} MB; after 1 000 000 more: {after / 1024.0 / 1024.0:0.00} MB.");
        Assert.Equal(0, InFlight());
        Assert.InRange(after, 0, before + (4 * 1024 * 1024)); // a leak of even 8 bytes per key would be 8 MB

        async Task RunAsync(int from, int count)
        {
            const int parallel = 16;
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(async lane =>
            {
                for (int id = from + lane; id < from + count; id += parallel)
                {
                    await service.GetAsync(id);
                }
            }));
        }
    }

    // The method's CachedMethod lives in a generated static field; read its count through the type's field.
    private static int InFlight() =>
        ((CachedMethod<int>)typeof(DistinctKeys).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Single(f => f.Name.StartsWith("__cache_GetAsync_", StringComparison.Ordinal)).GetValue(null)!).InFlight;

    /// <summary>A method only the million-key test calls, so no other test's flights show in its count.</summary>
    public sealed partial class DistinctKeys(CacheStore store)
    {
        private CacheStore CacheStore => store;

        [CacheResult(60)]
        public partial Task<int> GetAsync(int id);

        private Task<int> GetAsyncCore(int id) => Task.FromResult(id);
    }
}
