using System.ComponentModel;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Serialization.Metadata;

namespace ResultCache.CompilerServices;

/// <summary>
/// One cached method: its identity, TTL and serializer, and the cache-aside steps that generated code
/// calls (look up, run <c>...Core</c> on a miss, store). Generated code keeps one per method in a static field; it is
/// plumbing for that code, hidden from IntelliSense.
/// This is the cache-aside policy, written once for every store: single flight, the fail-safe fallback, and storing
/// the result where its read says it belongs (Redis, or in process while Redis is unavailable).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CachedMethod<T>
{
    // One flight per store and key whose read or ...Core is running; removed as soon as it completes. The store is part
    // of the key: two containers (or tenants) with their own stores must never share a result.
    private readonly FlightTable<T> _flights = new();
    private readonly UInt128 _emptyArguments;

    /// <summary>Describes a cached method.</summary>
    /// <param name="name">The readable method part of the key, such as <c>Shop.Catalog.GetPrice</c>.</param>
    /// <param name="signature">A hash of the parameter and return types, the result's JSON contract and the method's version, so a changed method never reads older entries.</param>
    /// <param name="ttlSeconds">How long results stay cached; must be positive.</param>
    /// <param name="json">Serializes results for stores outside the process.</param>
    /// <param name="cacheNulls">Whether <see langword="null"/> results are cached.</param>
    /// <param name="ttlJitterPercent">Spreads each entry's TTL by up to this many percent either way; 0 (off) to 50.</param>
    /// <param name="failSafeSeconds">How long past its TTL an entry is kept as a fallback for a failing <c>...Core</c>; 0 is off.</param>
    /// <param name="singleFlightAcrossInstances">Whether, on a Redis miss, one instance computes under a lease while the others wait for its value.</param>
    public CachedMethod(string name, string signature, int ttlSeconds, JsonTypeInfo<T> json, bool cacheNulls = false, int ttlJitterPercent = 0, int failSafeSeconds = 0,
        bool singleFlightAcrossInstances = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(signature);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ttlSeconds);
        ArgumentNullException.ThrowIfNull(json);
        ArgumentOutOfRangeException.ThrowIfNegative(ttlJitterPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttlJitterPercent, 50);
        ArgumentOutOfRangeException.ThrowIfNegative(failSafeSeconds);
        Description = new MethodDescription<T>(name, signature, TimeSpan.FromSeconds(ttlSeconds), ttlJitterPercent, TimeSpan.FromSeconds(failSafeSeconds),
            cacheNulls, singleFlightAcrossInstances, json);
        Name = name;
        Seed = unchecked((long)XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(Description.KeyPrefix)));
        _emptyArguments = XxHash128.HashToUInt128(ReadOnlySpan<byte>.Empty, Seed);
    }

    /// <summary>What the stores need to know of this method; passed down in its place.</summary>
    internal MethodDescription<T> Description { get; }

    /// <summary>The readable method part of the key; its own field, since every hit passes it to the metrics.</summary>
    internal string Name { get; }

    /// <summary>Seeds the argument hash, so two methods never share a key even with equal arguments.</summary>
    internal long Seed { get; }

    /// <summary>How many keys have a <c>...Core</c> run in flight right now.</summary>
    internal int InFlight => _flights.Count;

    /// <summary>The key of a call from its written arguments, and its tags for a tagged method.</summary>
    public CacheKey Key(ref CacheKeyWriter arguments, CacheTags tags) => new(arguments.ToHash(Seed), tags);

    /// <summary>The key of a call with no key arguments: the hash of an empty <see cref="CacheKeyWriter"/>, computed once.</summary>
    public CacheKey Key(CacheTags tags) => new(_emptyArguments, tags);

    /// <summary>The key of an untagged call with no key arguments.</summary>
    public CacheKey Key() => new(_emptyArguments, default);

    /// <summary>Cache-aside for a synchronous method.</summary>
    public T Invoke<TState>(CacheStore store, CacheKey key, TState state, Func<TState, T> core)
    {
        long start = CacheMetrics.Start();
        if (store.InProcess is { } entries && entries.TryGet(key, out T value))
        {
            return Hit(start, value);
        }
        return Synchronously.Result(MissAsync(store, key, state, core, static (s, c) => new ValueTask<T>(c(s)), start, sync: true, default));
    }

    /// <summary>Cache-aside for a method returning <see cref="Task{T}"/>.</summary>
    public Task<T> InvokeAsync<TState>(CacheStore store, CacheKey key, TState state, Func<TState, Task<T>> core, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        long start = CacheMetrics.Start();
        if (store.InProcess is { } entries && entries.TryGet(key, out T value))
        {
            return Task.FromResult(Hit(start, value));
        }
        return MissAsync(store, key, state, core, static (s, c) => new ValueTask<T>(c(s)), start, sync: false, cancellationToken).AsTask();
    }

    /// <summary>Cache-aside for a method returning <see cref="ValueTask{T}"/>; a hit from memory allocates nothing.</summary>
    public ValueTask<T> InvokeValueAsync<TState>(CacheStore store, CacheKey key, TState state, Func<TState, ValueTask<T>> core, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }
        long start = CacheMetrics.Start();
        if (store.InProcess is { } entries && entries.TryGet(key, out T value))
        {
            return new ValueTask<T>(Hit(start, value));
        }
        return MissAsync(store, key, state, core, static (s, c) => c(s), start, sync: false, cancellationToken);
    }

    // Single flight, on every path (Redis up, cold, probing or down): the first caller of a key on a store leads; callers
    // of that key meanwhile await its result. A waiter that cancels stops waiting alone. If the leader's own token
    // cancels ...Core, waiters whose tokens are still live lead again rather than inherit someone else's cancellation.
    // Pooled, so a Redis hit through a ValueTask method allocates no Task of its own (only its flight).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> MissAsync<TState, TCore>(CacheStore store, CacheKey key, TState state, TCore core, Func<TState, TCore, ValueTask<T>> run,
        long start, bool sync, CancellationToken cancellationToken)
    {
        while (true)
        {
            long invalidations = store.Invalidations.All;
            Flight<T>? leader = _flights.Find(store, key.Hash);
            if (leader is not null && leader.Invalidations == invalidations)
            {
                Task<T> shared = leader.Join();
                try
                {
                    // A sync caller blocks on the task itself: it needs no thread-pool thread to resume it.
                    T value = sync ? shared.GetAwaiter().GetResult() : await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
                    CacheMetrics.Share(Name);
                    CacheMetrics.Finish(start, Name, "coalesced");
                    return value;
                }
                catch (OperationCanceledException) when (shared.IsCanceled && !cancellationToken.IsCancellationRequested)
                {
                    continue;
                }
            }
            var flight = new Flight<T>(invalidations, store, key.Hash);
            // A flight that began before an invalidation is replaced: its caller still gets its value, no newcomer does.
            if (!_flights.TryPut(flight, expected: leader))
            {
                continue; // another caller became the leader first: join it
            }
            try
            {
                // The leader's cache-aside: read the store; on a miss run ...Core, fall back to an expired value if it
                // fails and the method is fail-safe, and store the result where the read says it belongs. Inline, not a
                // method of its own: each async level that waits on Redis is one more pooled box a call may miss.
                T value;
                CacheLookup<T> read = await store.ReadAsync(Description, key, sync).ConfigureAwait(false);
                if (read.Found)
                {
                    value = Hit(start, read.Value);
                }
                else
                {
                    CacheMetrics.Miss(Name);
                    // Across instances: one of them computes under a lease; the others read what it stores.
                    FleetClaim<T> claim = Description.SingleFlightAcrossInstances && read.ReachedRedis
                        ? await store.ClaimAsync(Description, key, sync, cancellationToken).ConfigureAwait(false)
                        : FleetClaim<T>.ComputeHere;
                    if (claim.Found)
                    {
                        value = claim.Value;
                    }
                    else
                    {
                        try
                        {
                            (value, bool computed) = await ComputeAsync(store, read, state, core, run).ConfigureAwait(false);
                            if (computed && (value is not null || Description.CacheNulls))
                            {
                                await store.WriteAsync(Description, key, read, value, sync).ConfigureAwait(false);
                            }
                        }
                        finally
                        {
                            // Stored or failed, the waiting instances stop waiting: they read the value, or take over.
                            if (claim.HoldsLease)
                            {
                                await store.ReleaseAsync(Description, claim, sync).ConfigureAwait(false);
                            }
                        }
                    }
                    CacheMetrics.Finish(start, Name, "miss");
                }
                flight.Complete(value, null);
                return value;
            }
            catch (Exception ex)
            {
                flight.Complete(default!, ex);
                throw;
            }
            finally
            {
                _flights.Remove(flight);
            }
        }
    }

    // Runs ...Core. Its exception propagates as is (same object, stack intact) and nothing is stored, unless the method
    // is fail-safe and the read found an expired value in the window: that value stands in, and is not stored again.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(T Value, bool Computed)> ComputeAsync<TState, TCore>(CacheStore store, CacheLookup<T> read, TState state, TCore core,
        Func<TState, TCore, ValueTask<T>> run)
    {
        try
        {
            return (await run(state, core).ConfigureAwait(false), true);
        }
        catch (Exception ex) when (read.HasStaleValue && ex is not OperationCanceledException)
        {
            CacheLog.ServedStale(store.Logger, Name, ex.GetType().Name, ex);
            return (read.Value, false);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private T Hit(long start, T value)
    {
        CacheMetrics.Hit(Name);
        CacheMetrics.Finish(start, Name, "hit");
        return value;
    }
}
