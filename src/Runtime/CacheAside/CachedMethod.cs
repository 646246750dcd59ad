using System.ComponentModel;
using System.Diagnostics;
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
public sealed partial class CachedMethod<T>
{
    // One flight per store and key whose read or ...Core is running; removed as soon as it completes. The store is part
    // of the key: two containers (or tenants) with their own stores must never share a result.
    private readonly FlightTable<T> _flights = new();

    // Background refreshes in progress, one per store and key. Apart from the flights: a caller whose read still hits
    // must not wait for a refresh; one whose read misses joins it instead of running ...Core again.
    private readonly FlightTable<T> _refreshes = new();
    private readonly UInt128 _emptyArguments;
    private readonly bool _refreshAhead;
    private readonly bool _timeouts;

    /// <summary>Describes a cached method.</summary>
    /// <param name="name">The readable method part of the key, such as <c>Shop.Catalog.GetPrice</c>.</param>
    /// <param name="signature">A hash of the parameter and return types, the result's JSON contract and the method's version, so a changed method never reads older entries.</param>
    /// <param name="ttlSeconds">How long results stay cached; must be positive.</param>
    /// <param name="json">Serializes results for stores outside the process.</param>
    /// <param name="cacheNulls">Whether <see langword="null"/> results are cached.</param>
    /// <param name="ttlJitterPercent">Spreads each entry's TTL by up to this many percent either way; 0 (off) to 50.</param>
    /// <param name="failSafeSeconds">How long past its TTL an entry is kept as a fallback for a failing <c>...Core</c>; 0 is off.</param>
    /// <param name="singleFlightAcrossInstances">Whether, on a Redis miss, one instance computes under a lease while the others wait for its value.</param>
    /// <param name="refreshAheadPercent">A hit on an entry older than this share of its TTL starts a background refresh; 0 (off) or 1 to 99.</param>
    /// <param name="softTimeoutMilliseconds">While an expired value is held, how long a caller waits for <c>...Core</c> before it gets that value; 0 is off.</param>
    /// <param name="hardTimeoutMilliseconds">How long any caller waits for <c>...Core</c>: then the expired value if one is held, else a <see cref="TimeoutException"/>; 0 is off.</param>
    /// <param name="ttlFromResult">Whether each call passes a <c>ttlFrom</c> that chooses its entry's TTL from the result.</param>
    public CachedMethod(string name, string signature, int ttlSeconds, JsonTypeInfo<T> json, bool cacheNulls = false, int ttlJitterPercent = 0, int failSafeSeconds = 0,
        bool singleFlightAcrossInstances = false, int refreshAheadPercent = 0, int softTimeoutMilliseconds = 0, int hardTimeoutMilliseconds = 0, bool ttlFromResult = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(signature);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ttlSeconds);
        ArgumentNullException.ThrowIfNull(json);
        ArgumentOutOfRangeException.ThrowIfNegative(ttlJitterPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttlJitterPercent, 50);
        ArgumentOutOfRangeException.ThrowIfNegative(failSafeSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(refreshAheadPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(refreshAheadPercent, 99);
        ArgumentOutOfRangeException.ThrowIfNegative(softTimeoutMilliseconds);
        ArgumentOutOfRangeException.ThrowIfNegative(hardTimeoutMilliseconds);
        if (softTimeoutMilliseconds > 0 && hardTimeoutMilliseconds > 0 && softTimeoutMilliseconds >= hardTimeoutMilliseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(softTimeoutMilliseconds), softTimeoutMilliseconds, "The soft timeout must be shorter than the hard timeout.");
        }
        Description = new MethodDescription<T>(name, signature, TimeSpan.FromSeconds(ttlSeconds), ttlJitterPercent, TimeSpan.FromSeconds(failSafeSeconds),
            cacheNulls, singleFlightAcrossInstances, json, refreshAheadPercent, TimeSpan.FromMilliseconds(softTimeoutMilliseconds),
            TimeSpan.FromMilliseconds(hardTimeoutMilliseconds), ttlFromResult);
        Name = name;
        Seed = unchecked((long)XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(Description.KeyPrefix)));
        _emptyArguments = XxHash128.HashToUInt128(ReadOnlySpan<byte>.Empty, Seed);
        _refreshAhead = refreshAheadPercent > 0;
        _timeouts = softTimeoutMilliseconds > 0 || hardTimeoutMilliseconds > 0;
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
    /// <remarks>Options of every <c>Invoke</c>: <c>ttlFrom</c> chooses each new entry's TTL from the result
    /// (<see cref="TimeSpan.Zero"/>: not cached; null: the method's TTL); <c>detach</c> gives the state a background refresh
    /// runs <c>...Core</c> with (the caller's <see cref="CancellationToken"/> left out).</remarks>
    public T Invoke<TState>(CacheStore store, CacheKey key, TState state, Func<TState, T> core, Func<TState, T, TimeSpan>? ttlFrom = null,
        Func<TState, TState>? detach = null)
    {
        long start = CacheMetrics.Start();
        if (store.InProcess is { } entries && entries.TryGet(key, out T value, _refreshAhead, out bool refreshDue))
        {
            if (refreshDue)
            {
                Refresh(store, key, Detach(state, detach), core, static (s, c) => new ValueTask<T>(c(s)), ttlFrom);
            }
            return Hit(start, value);
        }
        return Synchronously.Result(MissAsync(store, key, state, core, static (s, c) => new ValueTask<T>(c(s)), ttlFrom, detach, start, sync: true, default));
    }

    /// <summary>Cache-aside for a method returning <see cref="Task{T}"/>.</summary>
    /// <remarks>Options of every <c>Invoke</c>: <c>ttlFrom</c> chooses each new entry's TTL from the result
    /// (<see cref="TimeSpan.Zero"/>: not cached; null: the method's TTL); <c>detach</c> gives the state a background refresh
    /// runs <c>...Core</c> with (the caller's <see cref="CancellationToken"/> left out).</remarks>
    public Task<T> InvokeAsync<TState>(CacheStore store, CacheKey key, TState state, Func<TState, Task<T>> core, CancellationToken cancellationToken = default,
        Func<TState, T, TimeSpan>? ttlFrom = null, Func<TState, TState>? detach = null)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        long start = CacheMetrics.Start();
        if (store.InProcess is { } entries && entries.TryGet(key, out T value, _refreshAhead, out bool refreshDue))
        {
            if (refreshDue)
            {
                Refresh(store, key, Detach(state, detach), core, static (s, c) => new ValueTask<T>(c(s)), ttlFrom);
            }
            return Task.FromResult(Hit(start, value));
        }
        return MissAsync(store, key, state, core, static (s, c) => new ValueTask<T>(c(s)), ttlFrom, detach, start, sync: false, cancellationToken).AsTask();
    }

    /// <summary>Cache-aside for a method returning <see cref="ValueTask{T}"/>; a hit from memory allocates nothing.</summary>
    /// <remarks>Options of every <c>Invoke</c>: <c>ttlFrom</c> chooses each new entry's TTL from the result
    /// (<see cref="TimeSpan.Zero"/>: not cached; null: the method's TTL); <c>detach</c> gives the state a background refresh
    /// runs <c>...Core</c> with (the caller's <see cref="CancellationToken"/> left out).</remarks>
    public ValueTask<T> InvokeValueAsync<TState>(CacheStore store, CacheKey key, TState state, Func<TState, ValueTask<T>> core, CancellationToken cancellationToken = default,
        Func<TState, T, TimeSpan>? ttlFrom = null, Func<TState, TState>? detach = null)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }
        long start = CacheMetrics.Start();
        if (store.InProcess is { } entries && entries.TryGet(key, out T value, _refreshAhead, out bool refreshDue))
        {
            if (refreshDue)
            {
                Refresh(store, key, Detach(state, detach), core, static (s, c) => c(s), ttlFrom);
            }
            return new ValueTask<T>(Hit(start, value));
        }
        return MissAsync(store, key, state, core, static (s, c) => c(s), ttlFrom, detach, start, sync: false, cancellationToken);
    }

    // Single flight, on every path (Redis up, cold, probing or down): the first caller of a key on a store leads; callers
    // of that key meanwhile await its result. A waiter that cancels stops waiting alone. If the leader's own token
    // cancels ...Core, waiters whose tokens are still live lead again rather than inherit someone else's cancellation.
    // Pooled, so a Redis hit through a ValueTask method allocates no Task of its own (only its flight).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> MissAsync<TState, TCore>(CacheStore store, CacheKey key, TState state, TCore core, Func<TState, TCore, ValueTask<T>> run,
        Func<TState, T, TimeSpan>? ttlFrom, Func<TState, TState>? detach, long start, bool sync, CancellationToken cancellationToken)
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
            bool refresh = false;
            try
            {
                // The leader's cache-aside: read the store; on a miss run ...Core, fall back to an expired value if it
                // fails and the method is fail-safe, and store the result where the read says it belongs.
                T value;
                CacheLookup<T> read = await store.ReadAsync(Description, key, sync).ConfigureAwait(false);
                if (read.Found)
                {
                    value = Hit(start, read.Value);
                    refresh = _refreshAhead && read.RefreshDue;
                }
                else
                {
                    CacheMetrics.Miss(Name);
                    // Across instances: one of them computes under a lease; the others read what it stores.
                    FleetClaim<T> claim = Description.SingleFlightAcrossInstances && read.ReachedRedis
                        ? await store.ClaimAsync(Description, key, sync, cancellationToken).ConfigureAwait(false)
                        : FleetClaim<T>.ComputeHere;
                    value = claim.Found ? claim.Value
                        : _refreshAhead && await JoinRefreshAsync(store, key, invalidations, sync, cancellationToken).ConfigureAwait(false) is (true, var refreshed) ? refreshed
                        : _timeouts ? await ComputeWithTimeoutsAsync(flight, store, key, read, claim, state, core, run, ttlFrom, sync).ConfigureAwait(false)
                        : (await ComputeAndStoreAsync(store, key, read, claim, state, core, run, ttlFrom, sync).ConfigureAwait(false)).Value;
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
                if (!flight.Detached)
                {
                    _flights.Remove(flight);
                }
                if (refresh)
                {
                    Refresh(store, key, Detach(state, detach), core, run, ttlFrom);
                }
            }
        }
    }

    // Runs ...Core and stores its result for the TTL the method (or its TtlFrom) gives; gives back the lease either way.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(T Value, ComputeOutcome Outcome)> ComputeAndStoreAsync<TState, TCore>(CacheStore store, CacheKey key, CacheLookup<T> read,
        FleetClaim<T> claim, TState state, TCore core, Func<TState, TCore, ValueTask<T>> run, Func<TState, T, TimeSpan>? ttlFrom, bool sync)
    {
        try
        {
            (T value, bool computed) = await ComputeAsync(store, read, state, core, run).ConfigureAwait(false);
            if (!computed)
            {
                return (value, ComputeOutcome.FellBack);
            }
            TimeSpan ttl = TtlOf(state, value, ttlFrom);
            if (ttl <= TimeSpan.Zero)
            {
                return (value, ComputeOutcome.NotStored);
            }
            await store.WriteAsync(Description, key, read, value, ttl, sync).ConfigureAwait(false);
            return (value, ComputeOutcome.Stored);
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

    // The TTL a new value is stored for; zero (not stored) for a null the method does not cache, or as its TtlFrom says.
    private TimeSpan TtlOf<TState>(TState state, T value, Func<TState, T, TimeSpan>? ttlFrom)
    {
        if (value is null && !Description.CacheNulls)
        {
            return TimeSpan.Zero;
        }
        if (ttlFrom is null)
        {
            return Description.NextTtl();
        }
        TimeSpan chosen = ttlFrom(state, value);
        return chosen <= TimeSpan.Zero ? TimeSpan.Zero : Description.NextTtl(chosen);
    }

    // The leader waits for ...Core up to the soft timeout while an expired value is held, else up to the hard timeout.
    // Past it the caller gets the expired value (or, with none, a TimeoutException) and ...Core goes on in the background
    // and stores; the flight stays in the table until then, so callers of the key meanwhile get the same answer at once
    // and ...Core runs once. A synchronous method's ...Core runs on the thread pool, so its caller can stop waiting.
    private async ValueTask<T> ComputeWithTimeoutsAsync<TState, TCore>(Flight<T> flight, CacheStore store, CacheKey key, CacheLookup<T> read,
        FleetClaim<T> claim, TState state, TCore core, Func<TState, TCore, ValueTask<T>> run, Func<TState, T, TimeSpan>? ttlFrom, bool sync)
    {
        bool soft = read.HasStaleValue && Description.SoftTimeout > TimeSpan.Zero;
        TimeSpan limit = soft ? Description.SoftTimeout : Description.HardTimeout;
        if (limit <= TimeSpan.Zero)
        {
            return (await ComputeAndStoreAsync(store, key, read, claim, state, core, run, ttlFrom, sync).ConfigureAwait(false)).Value;
        }
        Task<(T Value, ComputeOutcome Outcome)> computing = sync
            ? Task.Run(() => ComputeAndStoreAsync(store, key, read, claim, state, core, run, ttlFrom, sync: false).AsTask())
            : ComputeAndStoreAsync(store, key, read, claim, state, core, run, ttlFrom, sync: false).AsTask();
        try
        {
            return (await computing.WaitAsync(limit, store.Time).ConfigureAwait(false)).Value;
        }
        catch (TimeoutException) when (!computing.IsCompleted)
        {
            string kind = soft ? "soft" : "hard";
            CacheMetrics.TimedOut(Name, kind);
            flight.Detached = true;
            _ = computing.ContinueWith(static (task, s) =>
            {
                (CachedMethod<T> method, Flight<T> flight) = ((CachedMethod<T>, Flight<T>))s!;
                method._flights.Remove(flight);
                if (task.Exception?.InnerException is { } failure)
                {
                    CacheLog.BackgroundFailed(flight.Store.Logger, method.Name, failure.GetType().Name, failure);
                }
            }, (this, flight), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            int milliseconds = (int)limit.TotalMilliseconds;
            if (read.HasStaleValue)
            {
                CacheLog.TimedOut(store.Logger, Name, kind, milliseconds, "the caller got the expired value.");
                return read.Value;
            }
            CacheLog.TimedOut(store.Logger, Name, kind, milliseconds, "no expired value was held, so the caller got a TimeoutException.");
            throw new TimeoutException(
                $"{Name} did not return within its HardTimeoutMilliseconds of {milliseconds} ms, and no expired value was held to answer with. " +
                "It goes on in the background and stores its result; set FailSafeSeconds to answer with an expired value instead.");
        }
    }

    // A hit past the method's RefreshAheadPercent: one refresh of the key at a time (a miss of the key meanwhile waits
    // for it rather than running ...Core again), on the thread pool with no caller's context.
    private void Refresh<TState, TCore>(CacheStore store, CacheKey key, TState state, TCore core, Func<TState, TCore, ValueTask<T>> run,
        Func<TState, T, TimeSpan>? ttlFrom)
    {
        var flight = new Flight<T>(store.Invalidations.All, store, key.Hash);
        if (!_refreshes.TryPut(flight, expected: null))
        {
            return; // a refresh of the key is already running
        }
        ActivityContext startedBy = Activity.Current?.Context ?? default;
        ThreadPool.UnsafeQueueUserWorkItem(
            static work => _ = work.Method.RefreshAsync(work.Flight, work.Store, work.Key, work.State, work.Core, work.Run, work.TtlFrom, work.StartedBy),
            new RefreshWork<T, TState, TCore>(this, flight, store, key, state, core, run, ttlFrom, startedBy), preferLocal: false);
    }

    private async Task RefreshAsync<TState, TCore>(Flight<T> flight, CacheStore store, CacheKey key, TState state, TCore core,
        Func<TState, TCore, ValueTask<T>> run, Func<TState, T, TimeSpan>? ttlFrom, ActivityContext startedBy)
    {
        using Activity? activity = CacheActivities.StartRefresh(Name, startedBy);
        string outcome = "skipped";
        try
        {
            // Read again, past the in-process layers: another instance may have refreshed the key already.
            CacheLookup<T> read = await store.ReadAsync(Description, key, sync: false, refreshing: true).ConfigureAwait(false);
            T value;
            if (read.Found)
            {
                value = read.Value;
            }
            else
            {
                FleetClaim<T> claim = Description.SingleFlightAcrossInstances && read.ReachedRedis
                    ? await store.ClaimAsync(Description, key, sync: false, CancellationToken.None, refreshing: true).ConfigureAwait(false)
                    : FleetClaim<T>.ComputeHere;
                if (claim.Found)
                {
                    value = claim.Value;
                }
                else
                {
                    (value, ComputeOutcome computed) = await ComputeAndStoreAsync(store, key, read, claim, state, core, run, ttlFrom, sync: false).ConfigureAwait(false);
                    outcome = computed switch { ComputeOutcome.Stored => "stored", ComputeOutcome.FellBack => "failed", _ => "skipped" };
                }
            }
            flight.Complete(value, null);
        }
        catch (Exception ex)
        {
            outcome = "failed";
            CacheActivities.Fail(activity, ex);
            CacheLog.RefreshFailed(store.Logger, Name, ex.GetType().Name, ex);
            flight.Complete(default!, new OperationCanceledException("The background refresh failed.")); // a caller that joined it computes itself
        }
        finally
        {
            _refreshes.Remove(flight);
            activity?.SetTag("cache.refresh.outcome", outcome);
            CacheMetrics.Refreshed(Name, outcome);
        }
    }

    // A leader whose read missed while a refresh of the key runs (the entry expired before the refresh ended) takes its
    // value; false if none runs, an invalidation came since it began, or it failed.
    private async ValueTask<(bool Found, T Value)> JoinRefreshAsync(CacheStore store, CacheKey key, long invalidations, bool sync, CancellationToken cancellationToken)
    {
        if (_refreshes.Find(store, key.Hash) is not { } refresh || refresh.Invalidations != invalidations)
        {
            return (false, default!);
        }
        Task<T> shared = refresh.Join();
        try
        {
            return (true, sync ? shared.GetAwaiter().GetResult() : await shared.WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (shared.IsCanceled && !cancellationToken.IsCancellationRequested)
        {
            return (false, default!);
        }
    }

    private static TState Detach<TState>(TState state, Func<TState, TState>? detach) => detach is null ? state : detach(state);

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

/// <summary>What became of a <c>...Core</c> run's result.</summary>
internal enum ComputeOutcome
{
    /// <summary>Stored for its TTL.</summary>
    Stored,

    /// <summary>Returned, not stored: a null the method does not cache, or a TTL of zero from its <c>TtlFrom</c>.</summary>
    NotStored,

    /// <summary><c>...Core</c> failed and fail-safe answered with the expired value.</summary>
    FellBack,
}

/// <summary>One queued background refresh: what <see cref="CachedMethod{T}"/> needs to run it on the thread pool.</summary>
internal sealed record RefreshWork<T, TState, TCore>(CachedMethod<T> Method, Flight<T> Flight, CacheStore Store, CacheKey Key, TState State, TCore Core,
    Func<TState, TCore, ValueTask<T>> Run, Func<TState, T, TimeSpan>? TtlFrom, ActivityContext StartedBy);
