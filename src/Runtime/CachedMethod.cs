using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Serialization.Metadata;

namespace ResultCache;

/// <summary>
/// One cached method: its identity, TTL and serializer, and the cache-aside steps that generated code
/// calls (look up, run <c>...Core</c> on a miss, store). Generated code keeps one per method in a static field.
/// Concurrent misses of one key in a process share a single run of <c>...Core</c>.
/// </summary>
public sealed class CachedMethod<T>
{
    // One entry per store and key whose ...Core is running; removed as soon as it completes. The store is part of
    // the key: two containers (or tenants) with their own stores must never share a result.
    private readonly ConcurrentDictionary<(CacheStore Store, UInt128 Key), TaskCompletionSource<T>> _flights = new();
    private readonly int _jitterPercent;

    /// <summary>Describes a cached method.</summary>
    /// <param name="name">The readable method part of the key, such as <c>Shop.Catalog.GetPrice</c>.</param>
    /// <param name="signature">A hash of the parameter and return types, so a changed signature never reads older entries.</param>
    /// <param name="ttlSeconds">How long results stay cached; must be positive.</param>
    /// <param name="cacheNulls">Whether <see langword="null"/> results are cached.</param>
    /// <param name="json">Serializes results for stores outside the process.</param>
    public CachedMethod(string name, string signature, int ttlSeconds, bool cacheNulls, JsonTypeInfo<T> json)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(signature);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ttlSeconds);
        ArgumentNullException.ThrowIfNull(json);
        Name = name;
        Signature = signature;
        Ttl = TimeSpan.FromSeconds(ttlSeconds);
        CacheNulls = cacheNulls;
        Json = json;
        KeyPrefix = $"{name}:{signature}:";
        Seed = unchecked((long)XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(KeyPrefix)));
    }

    /// <summary>The readable method part of the key.</summary>
    public string Name { get; }

    /// <summary>The signature hash.</summary>
    public string Signature { get; }

    /// <summary>How long results stay cached.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>Whether <see langword="null"/> results are cached.</summary>
    public bool CacheNulls { get; }

    /// <summary>Serializes results for stores outside the process.</summary>
    public JsonTypeInfo<T> Json { get; }

    /// <summary><c>{Name}:{Signature}:</c>, the part of a store key that names the method.</summary>
    public string KeyPrefix { get; }

    /// <summary>Seeds the argument hash, so two methods never share a key even with equal arguments.</summary>
    public long Seed { get; }

    /// <summary>
    /// Spreads each entry's TTL by up to this many percent either way, so entries written together do not expire
    /// together. 0 (the default) to 50.
    /// </summary>
    public int TtlJitterPercent
    {
        get => _jitterPercent;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 50);
            _jitterPercent = value;
        }
    }

    /// <summary>
    /// How long past its TTL an entry is kept as a fallback: when <c>...Core</c> throws, a value at most this stale
    /// is returned instead (and the failure logged). Zero (the default) turns fail-safe off: the exception propagates.
    /// </summary>
    public TimeSpan FailSafe { get; init; }

    /// <summary>How many keys have a <c>...Core</c> run in flight right now.</summary>
    public int InFlight => _flights.Count;

    /// <summary>The TTL of one new entry: <see cref="Ttl"/>, spread by <see cref="TtlJitterPercent"/>.</summary>
    public TimeSpan NextTtl()
    {
        if (_jitterPercent == 0)
        {
            return Ttl;
        }
        double spread = ((Random.Shared.NextDouble() * 2) - 1) * _jitterPercent / 100;
        return TimeSpan.FromMilliseconds(Math.Max(1000, Ttl.TotalMilliseconds * (1 + spread)));
    }

    /// <summary>The key of a call from its written arguments, and its tags for a tagged method.</summary>
    public CacheKey Key(ref CacheKeyWriter arguments, CacheTags tags = default) => new(arguments.ToHash(Seed), tags);

    /// <summary>Cache-aside for a synchronous method.</summary>
    public T Invoke<TState>(CacheStore store, CacheKey key, TState state, Func<TState, T> core)
    {
        long start = CacheMetrics.Start();
        if (store.LocalEntries?.Get(this, key) is { Found: true } local)
        {
            return Hit(start, local.Value);
        }
        CacheLookup<T> lookup = store.Get(this, key);
        if (lookup.Found)
        {
            return Hit(start, lookup.Value);
        }
        CacheMetrics.Miss(Name);
        var flight = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<T> leader = _flights.GetOrAdd((store, key.Hash), flight);
        if (leader != flight)
        {
            return leader.Task.GetAwaiter().GetResult(); // another thread is computing this key: wait for it
        }
        try
        {
            T value = ComputeOrFallBack(store, key, lookup, state, core);
            flight.SetResult(value);
            CacheMetrics.Finish(start, Name, hit: false);
            return value;
        }
        catch (Exception ex)
        {
            Fail(flight, ex);
            throw;
        }
        finally
        {
            _flights.TryRemove(new KeyValuePair<(CacheStore, UInt128), TaskCompletionSource<T>>((store, key.Hash), flight));
        }
    }

    /// <summary>Cache-aside for a method returning <see cref="Task{T}"/>.</summary>
    public Task<T> InvokeAsync<TState>(CacheStore store, CacheKey key, TState state, Func<TState, Task<T>> core, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        long start = CacheMetrics.Start();
        if (store.LocalEntries?.Get(this, key) is { Found: true } local)
        {
            return Task.FromResult(Hit(start, local.Value));
        }
        ValueTask<CacheLookup<T>> pending = store.GetAsync(this, key);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitLookupAsync(store, key, pending, state, core, start, cancellationToken);
        }
        // A ValueTask may be backed by a pooled source, so its result is read exactly once.
        CacheLookup<T> lookup = pending.Result;
        return lookup.Found ? Task.FromResult(Hit(start, lookup.Value)) : MissAsync(store, key, lookup, state, static (s, c) => c(s), core, start, cancellationToken);
    }

    /// <summary>Cache-aside for a method returning <see cref="ValueTask{T}"/>; a hit from memory allocates nothing.</summary>
    public ValueTask<T> InvokeValueAsync<TState>(CacheStore store, CacheKey key, TState state, Func<TState, ValueTask<T>> core, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }
        long start = CacheMetrics.Start();
        if (store.LocalEntries?.Get(this, key) is { Found: true } local)
        {
            return new ValueTask<T>(Hit(start, local.Value));
        }
        ValueTask<CacheLookup<T>> pending = store.GetAsync(this, key);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitLookupValueAsync(store, key, pending, state, core, start, cancellationToken);
        }
        CacheLookup<T> lookup = pending.Result;
        return lookup.Found
            ? new ValueTask<T>(Hit(start, lookup.Value))
            : new ValueTask<T>(MissAsync(store, key, lookup, state, static (s, c) => c(s).AsTask(), core, start, cancellationToken));
    }

    private async Task<T> AwaitLookupAsync<TState>(CacheStore store, CacheKey key, ValueTask<CacheLookup<T>> pending, TState state, Func<TState, Task<T>> core, long start, CancellationToken cancellationToken)
    {
        CacheLookup<T> lookup = await pending.ConfigureAwait(false);
        return lookup.Found ? Hit(start, lookup.Value) : await MissAsync(store, key, lookup, state, static (s, c) => c(s), core, start, cancellationToken).ConfigureAwait(false);
    }

    // Pooled, so a Redis hit through a ValueTask method allocates no Task.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> AwaitLookupValueAsync<TState>(CacheStore store, CacheKey key, ValueTask<CacheLookup<T>> pending, TState state, Func<TState, ValueTask<T>> core, long start, CancellationToken cancellationToken)
    {
        CacheLookup<T> lookup = await pending.ConfigureAwait(false);
        return lookup.Found
            ? Hit(start, lookup.Value)
            : await MissAsync(store, key, lookup, state, static (s, c) => c(s).AsTask(), core, start, cancellationToken).ConfigureAwait(false);
    }

    // Single flight: the first miss of a key runs ...Core; misses of the same key meanwhile await its result.
    // A waiter that cancels stops waiting alone. If the leader's own token cancels ...Core, waiters whose
    // tokens are still live run it again rather than inherit someone else's cancellation.
    private async Task<T> MissAsync<TState, TCore>(CacheStore store, CacheKey key, CacheLookup<T> lookup, TState state, Func<TState, TCore, Task<T>> run, TCore core, long start, CancellationToken cancellationToken)
    {
        CacheMetrics.Miss(Name);
        while (true)
        {
            var flight = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            TaskCompletionSource<T> leader = _flights.GetOrAdd((store, key.Hash), flight);
            if (leader != flight)
            {
                try
                {
                    return await leader.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (leader.Task.IsCanceled && !cancellationToken.IsCancellationRequested)
                {
                    continue;
                }
            }
            try
            {
                T value = await ComputeOrFallBackAsync(store, key, lookup, state, run, core).ConfigureAwait(false);
                flight.SetResult(value);
                CacheMetrics.Finish(start, Name, hit: false);
                return value;
            }
            catch (Exception ex)
            {
                Fail(flight, ex);
                throw;
            }
            finally
            {
                _flights.TryRemove(new KeyValuePair<(CacheStore, UInt128), TaskCompletionSource<T>>((store, key.Hash), flight));
            }
        }
    }

    private T ComputeOrFallBack<TState>(CacheStore store, CacheKey key, CacheLookup<T> lookup, TState state, Func<TState, T> core)
    {
        T value;
        try
        {
            value = core(state);
        }
        catch (Exception ex) when (lookup.HasStaleValue && ex is not OperationCanceledException)
        {
            CacheLog.ServedStale(store.Logger, Name, ex.GetType().Name, ex);
            return lookup.Value;
        }
        if (ShouldStore(value))
        {
            store.Set(this, key, lookup.Versions, value);
        }
        return value;
    }

    private async Task<T> ComputeOrFallBackAsync<TState, TCore>(CacheStore store, CacheKey key, CacheLookup<T> lookup, TState state, Func<TState, TCore, Task<T>> run, TCore core)
    {
        T value;
        try
        {
            // Core's exception propagates as is (same object, stack intact) and nothing is stored.
            value = await run(state, core).ConfigureAwait(false);
        }
        catch (Exception ex) when (lookup.HasStaleValue && ex is not OperationCanceledException)
        {
            CacheLog.ServedStale(store.Logger, Name, ex.GetType().Name, ex);
            return lookup.Value;
        }
        if (ShouldStore(value))
        {
            await store.SetAsync(this, key, lookup.Versions, value).ConfigureAwait(false);
        }
        return value;
    }

    private static void Fail(TaskCompletionSource<T> flight, Exception ex)
    {
        if (ex is OperationCanceledException canceled)
        {
            flight.TrySetCanceled(canceled.CancellationToken);
        }
        else
        {
            flight.TrySetException(ex);
        }
        // Observed here, so a failure nobody else waited for is not reported again as unobserved.
        _ = flight.Task.Exception;
    }

    private bool ShouldStore(T value) => value is not null || CacheNulls;

    private T Hit(long start, T value)
    {
        CacheMetrics.Hit(Name);
        CacheMetrics.Finish(start, Name, hit: true);
        return value;
    }
}
