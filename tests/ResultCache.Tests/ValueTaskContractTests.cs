using System.Threading.Tasks.Sources;

namespace ResultCache.Tests;

/// <summary>
/// A store's read may answer with a ValueTask backed by a pooled source (the Redis store's does), whose result may be
/// read only once. These tests use a store that enforces that, already completed, as a fast Redis reply can be.
/// </summary>
public sealed class ValueTaskContractTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Task_methods_read_a_completed_lookup_once(bool hit)
    {
        var store = new SingleReadStore(hit);
        var service = new StatsService(store);

        Stats stats = await service.GetStatsAsync(Guid.Empty, new DateOnly(2026, 1, 1));

        Assert.Equal(hit ? 0 : 1, service.CoreCalls);
        Assert.Equal(hit ? 7 : 10, stats.Events);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ValueTask_methods_read_a_completed_lookup_once(bool hit)
    {
        var store = new SingleReadStore(hit);
        var service = new StatsService(store);

        string? description = await service.Describe("a", Region.North, "t");

        Assert.Equal(hit ? 0 : 1, service.CoreCalls);
        Assert.Equal(hit ? "cached" : "a@North", description);
    }

    /// <summary>Answers every read from a completed one-shot source that throws when read twice.</summary>
    private sealed class SingleReadStore(bool hit) : CacheStore
    {
        internal override ValueTask<CacheLookup<T>> ReadAsync<T>(MethodDescription<T> method, CacheKey key, bool sync, bool refreshing = false)
        {
            object value = typeof(T) == typeof(Stats) ? new Stats(Guid.Empty, default, 7) : "cached";
            var source = new OneShot<CacheLookup<T>>(hit ? CacheLookup<T>.Hit((T)value) : CacheLookup<T>.Miss(default));
            return new ValueTask<CacheLookup<T>>(source, 0);
        }

        internal override ValueTask WriteAsync<T>(MethodDescription<T> method, CacheKey key, CacheLookup<T> read, T value, TimeSpan ttl, bool sync) => ValueTask.CompletedTask;

        private protected override ValueTask RemoveEntryAsync<T>(MethodDescription<T> method, UInt128 hash, bool sync) => throw new NotSupportedException();

        private protected override ValueTask RemoveTagAsync(UInt128 tagHash, bool sync) => throw new NotSupportedException();
    }

    private sealed class OneShot<T> : IValueTaskSource<T>
    {
        private readonly T _result;
        private bool _read;

        public OneShot(T result) => _result = result;

        public T GetResult(short token)
        {
            Assert.False(_read, "The lookup's ValueTask was read twice.");
            _read = true;
            return _result;
        }

        public ValueTaskSourceStatus GetStatus(short token) => ValueTaskSourceStatus.Succeeded;

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            continuation(state);
    }
}
