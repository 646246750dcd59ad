using System.Diagnostics;

namespace ResultCache.CompilerServices;

// Batch calls: one ...ManyCore call for the keys that missed, sharing entries and flights with the single method.
public sealed partial class CachedMethod<T>
{
    /// <summary>Cache-aside for the batch companion of a method returning <see cref="Task{T}"/>.</summary>
    /// <remarks>
    /// <paramref name="ids"/> and <paramref name="keys"/> are parallel: each id's key as the single method builds it.
    /// Every key is looked up (in-process layers, then the store); <paramref name="core"/> runs once with the ids that
    /// missed, in the caller's order and without duplicates, and each element it returns is stored under its own key.
    /// The answer holds every requested id that has a value; an id the core leaves out is absent and not cached.
    /// </remarks>
    public Task<IReadOnlyDictionary<TKey, T>> InvokeManyAsync<TKey, TState>(CacheStore store, IReadOnlyList<TKey> ids, IReadOnlyList<CacheKey> keys, TState state,
        Func<TState, IReadOnlyList<TKey>, Task<IReadOnlyDictionary<TKey, T>>> core, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled<IReadOnlyDictionary<TKey, T>>(cancellationToken)
            : ManyAsync(store, ids, keys, state, core, static (s, c, missing) => new ValueTask<IReadOnlyDictionary<TKey, T>>(c(s, missing)), sync: false, cancellationToken).AsTask();

    /// <summary>Cache-aside for the batch companion of a method returning <see cref="ValueTask{T}"/>; see <see cref="InvokeManyAsync"/>.</summary>
    public ValueTask<IReadOnlyDictionary<TKey, T>> InvokeManyValueAsync<TKey, TState>(CacheStore store, IReadOnlyList<TKey> ids, IReadOnlyList<CacheKey> keys,
        TState state, Func<TState, IReadOnlyList<TKey>, ValueTask<IReadOnlyDictionary<TKey, T>>> core, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<IReadOnlyDictionary<TKey, T>>(cancellationToken)
            : ManyAsync(store, ids, keys, state, core, static (s, c, missing) => c(s, missing), sync: false, cancellationToken);

    /// <summary>Cache-aside for the batch companion of a synchronous method; see <see cref="InvokeManyAsync"/>.</summary>
    public IReadOnlyDictionary<TKey, T> InvokeMany<TKey, TState>(CacheStore store, IReadOnlyList<TKey> ids, IReadOnlyList<CacheKey> keys, TState state,
        Func<TState, IReadOnlyList<TKey>, IReadOnlyDictionary<TKey, T>> core)
        where TKey : notnull =>
        Synchronously.Result(ManyAsync(store, ids, keys, state, core, static (s, c, missing) => new ValueTask<IReadOnlyDictionary<TKey, T>>(c(s, missing)), sync: true, default));

    // Each distinct key is a hit, joins the flight of a call already computing it, or is led by this batch: read (all
    // reads issued together, so the client pipelines them), one core call for what is still missing, then every write
    // issued together. A key another flight was computing whose leader failed or left it out is tried again.
    private async ValueTask<IReadOnlyDictionary<TKey, T>> ManyAsync<TKey, TState, TCore>(CacheStore store, IReadOnlyList<TKey> ids, IReadOnlyList<CacheKey> keys,
        TState state, TCore core, Func<TState, TCore, IReadOnlyList<TKey>, ValueTask<IReadOnlyDictionary<TKey, T>>> run, bool sync, CancellationToken cancellationToken)
        where TKey : notnull
    {
        if (ids.Count != keys.Count)
        {
            throw new ArgumentException("Each id needs its key.", nameof(keys));
        }
        long start = CacheMetrics.Start();
        using Activity? activity = CacheActivities.StartBatch(Name, ids.Count);
        CacheMetrics.Batch(Name, ids.Count);
        var answer = new Dictionary<TKey, T>(ids.Count);
        var pending = new List<int>(ids.Count); // indexes of distinct keys still without an answer
        var seen = new HashSet<UInt128>();
        InProcessEntries? entries = store.InProcess;
        for (int i = 0; i < ids.Count; i++)
        {
            if (!seen.Add(keys[i].Hash))
            {
                continue;
            }
            if (entries is not null && entries.TryGet(keys[i], out T hit))
            {
                CacheMetrics.Hit(Name);
                answer[ids[i]] = hit;
            }
            else
            {
                pending.Add(i);
            }
        }
        // Leases (across instances) are taken without waiting in the first round; a key another instance holds is
        // waited for in a later round, when this batch holds no lease of its own.
        bool patient = false;
        while (pending.Count > 0)
        {
            long invalidations = store.Invalidations.All;
            var led = new List<(int Index, Flight<T> Flight)>();
            var joined = new List<(int Index, Task<T> Shared)>();
            foreach (int i in pending)
            {
                Flight<T>? leader = _flights.Find(store, keys[i].Hash);
                if (leader is not null && leader.Invalidations == invalidations)
                {
                    joined.Add((i, leader.Join()));
                    continue;
                }
                var flight = new Flight<T>(invalidations, store, keys[i].Hash);
                if (_flights.TryPut(flight, expected: leader))
                {
                    led.Add((i, flight));
                }
                else if (_flights.Find(store, keys[i].Hash) is { } other)
                {
                    joined.Add((i, other.Join())); // another caller led it first
                }
            }
            pending = new List<int>();
            if (led.Count > 0)
            {
                try
                {
                    List<int> deferred = await LeadManyAsync(store, ids, keys, state, core, run, led, answer, patient, sync, cancellationToken).ConfigureAwait(false);
                    pending.AddRange(deferred);
                    patient |= deferred.Count > 0;
                }
                finally
                {
                    foreach ((_, Flight<T> flight) in led)
                    {
                        _flights.Remove(flight);
                    }
                }
            }
            foreach ((int i, Task<T> shared) in joined)
            {
                try
                {
                    answer[ids[i]] = sync ? shared.GetAwaiter().GetResult() : await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
                    CacheMetrics.Share(Name);
                }
                catch (OperationCanceledException) when (shared.IsCanceled && !cancellationToken.IsCancellationRequested)
                {
                    pending.Add(i); // its leader gave up or left it out: this batch asks for it
                }
            }
        }
        CacheMetrics.Finish(start, Name, "batch");
        return answer;
    }

    // The keys this batch leads: their reads, one core call for the misses, their writes; every flight completed.
    private async ValueTask<List<int>> LeadManyAsync<TKey, TState, TCore>(CacheStore store, IReadOnlyList<TKey> ids, IReadOnlyList<CacheKey> keys, TState state, TCore core,
        Func<TState, TCore, IReadOnlyList<TKey>, ValueTask<IReadOnlyDictionary<TKey, T>>> run, List<(int Index, Flight<T> Flight)> led,
        Dictionary<TKey, T> answer, bool patient, bool sync, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var deferred = new List<int>(); // indexes of keys whose lease another instance holds: asked again, patiently
        var reads = new CacheLookup<T>[led.Count];
        var claims = new FleetClaim<T>[led.Count];
        try
        {
            await ReadAllAsync(store, keys, led, reads, sync).ConfigureAwait(false);
            var missing = new List<int>(); // positions in led
            for (int n = 0; n < led.Count; n++)
            {
                if (reads[n].Found)
                {
                    CacheMetrics.Hit(Name);
                    answer[ids[led[n].Index]] = reads[n].Value;
                    led[n].Flight.Complete(reads[n].Value, null);
                }
                else
                {
                    CacheMetrics.Miss(Name);
                    missing.Add(n);
                }
            }
            if (Description.SingleFlightAcrossInstances)
            {
                // A lease per element: a key another instance is computing is waited for and read; the rest are ours.
                await ClaimAllAsync(store, keys, led, reads, claims, missing, patient, sync, cancellationToken).ConfigureAwait(false);
                foreach (int n in missing.Where(n => claims[n].Found || claims[n].IsBusy).ToList())
                {
                    if (claims[n].IsBusy)
                    {
                        deferred.Add(led[n].Index);
                        led[n].Flight.Complete(default!, new OperationCanceledException("Another instance computes this key.")); // joiners ask again
                    }
                    else
                    {
                        answer[ids[led[n].Index]] = claims[n].Value;
                        led[n].Flight.Complete(claims[n].Value, null);
                    }
                    missing.Remove(n);
                }
            }
            if (missing.Count == 0)
            {
                return deferred;
            }
            IReadOnlyDictionary<TKey, T> computed;
            try
            {
                computed = await run(state, core, missing.Select(n => ids[led[n].Index]).ToArray()).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The ...ManyCore of {Name} returned null; return an empty dictionary when no key has a value.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException && missing.All(n => reads[n].HasStaleValue))
            {
                // Fail-safe, per element: every missing key still has an expired value in its window, so they answer.
                CacheLog.ServedStale(store.Logger, Name, ex.GetType().Name, ex);
                foreach (int n in missing)
                {
                    answer[ids[led[n].Index]] = reads[n].Value;
                    led[n].Flight.Complete(reads[n].Value, null);
                }
                return deferred;
            }
            var writes = new List<ValueTask>(missing.Count);
            foreach (int n in missing)
            {
                (int index, Flight<T> flight) = led[n];
                if (!computed.TryGetValue(ids[index], out T? value))
                {
                    // Left out by the core: absent from the answer and not cached; a single caller waiting on it asks again.
                    flight.Complete(default!, new OperationCanceledException("The batch's core returned no value for this key."));
                    continue;
                }
                answer[ids[index]] = value;
                TimeSpan ttl = TtlOf<object?>(null, value, ttlFrom: null);
                if (ttl > TimeSpan.Zero)
                {
                    writes.Add(store.WriteAsync(Description, keys[index], reads[n], value, ttl, sync));
                }
                flight.Complete(value, null);
            }
            foreach (ValueTask write in writes)
            {
                await write.ConfigureAwait(false);
            }
            return deferred;
        }
        catch (Exception ex)
        {
            foreach ((_, Flight<T> flight) in led)
            {
                flight.Complete(default!, ex); // the first outcome stands: completed flights keep theirs
            }
            throw;
        }
        finally
        {
            // Stored or failed, the instances waiting on these keys stop waiting: they read the values, or take over.
            foreach (FleetClaim<T> claim in claims.Where(c => c.HoldsLease))
            {
                await store.ReleaseAsync(Description, claim, sync).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask ClaimAllAsync(CacheStore store, IReadOnlyList<CacheKey> keys, List<(int Index, Flight<T> Flight)> led, CacheLookup<T>[] reads,
        FleetClaim<T>[] claims, List<int> missing, bool patient, bool sync, CancellationToken cancellationToken)
    {
        var pending = new List<(int N, ValueTask<FleetClaim<T>> Claim)>(missing.Count);
        foreach (int n in missing.Where(n => reads[n].ReachedRedis))
        {
            ValueTask<FleetClaim<T>> claim = store.ClaimAsync(Description, keys[led[n].Index], sync, cancellationToken, wait: patient);
            if (sync)
            {
                claims[n] = Synchronously.Result(claim);
            }
            else
            {
                pending.Add((n, claim));
            }
        }
        foreach ((int n, ValueTask<FleetClaim<T>> claim) in pending)
        {
            claims[n] = await claim.ConfigureAwait(false);
        }
    }

    private ValueTask ReadAllAsync(CacheStore store, IReadOnlyList<CacheKey> keys, List<(int Index, Flight<T> Flight)> led, CacheLookup<T>[] reads, bool sync) =>
        store.ReadManyAsync(Description, led.Select(l => keys[l.Index]).ToArray(), reads, sync);
}
