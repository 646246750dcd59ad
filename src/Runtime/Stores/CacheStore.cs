using System.ComponentModel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResultCache;

/// <summary>
/// Where cached results live: the embedded <see cref="MemoryCacheStore"/> or a <see cref="RedisCacheStore"/>. A store
/// never throws for a backend fault: a read that fails is a miss and a write that fails is skipped, so the caller always
/// gets a result from <c>...Core</c>. The cache-aside steps around it (single flight, fail-safe) live in
/// <see cref="CachedMethod{T}"/>, written once for every store.
/// </summary>
public abstract class CacheStore
{
    /// <summary>The environment variable read at first use when no store was configured in code.</summary>
    public const string RedisEnvironmentVariable = "RESULTCACHE_REDIS";

    private static CacheStore? s_default;
    private InProcessEntries? _inProcess;

    private protected CacheStore()
    {
    }

    /// <summary>
    /// The process-wide store used by cached methods whose type supplies none. Unless
    /// <see cref="Configure"/> ran first, it is a <see cref="RedisCacheStore"/> when the environment
    /// variable <c>RESULTCACHE_REDIS</c> holds a connection string, and a <see cref="MemoryCacheStore"/> otherwise.
    /// </summary>
    public static CacheStore Default => Volatile.Read(ref s_default) ?? InitializeDefault();

    /// <summary>Sets the process-wide store. Call it once at start-up, before the first cached call.</summary>
    /// <exception cref="InvalidOperationException">A cached call already used another default store.</exception>
    public static void Configure(CacheStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        CacheStore? existing = Interlocked.CompareExchange(ref s_default, store, null);
        if (existing is not null && !ReferenceEquals(existing, store))
        {
            throw new InvalidOperationException(
                "CacheStore.Default is already in use. Call CacheStore.Configure once at start-up, before the first cached call.");
        }
    }

    /// <summary>
    /// The in-process entries every cached call reads first, without a lock or a virtual call; null while the store
    /// has none to offer (a Redis store with no local layer, while Redis is available).
    /// </summary>
    internal InProcessEntries? InProcess
    {
        get => Volatile.Read(ref _inProcess);
        private protected set => Volatile.Write(ref _inProcess, value);
    }

    /// <summary>This store's invalidations, counted so that no value read before one is kept or shared after it.</summary>
    internal InvalidationCounters Invalidations { get; } = new();

    /// <summary>Where the cache-aside steps log (fail-safe fallbacks).</summary>
    internal virtual ILogger Logger => NullLogger.Instance;

    /// <summary>Removes one call's entry synchronously. Generated <c>Invalidate...</c> companions call it.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Invalidate<T>(CachedMethod<T> method, CacheKey key)
    {
        ArgumentNullException.ThrowIfNull(method);
        CacheMetrics.Invalidated("entry");
        Synchronously.Wait(RemoveEntryAsync(method.Description, key.Hash, sync: true));
    }

    /// <summary>Removes one call's entry. Generated <c>Invalidate...</c> companions call it.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask InvalidateAsync<T>(CachedMethod<T> method, CacheKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        CacheMetrics.Invalidated("entry");
        return RemoveEntryAsync(method.Description, key.Hash, sync: false);
    }

    /// <summary>
    /// Drops every entry that carries <paramref name="tag"/>, in O(1) whatever the number of entries.
    /// Write the tag as in the attribute, with the argument in place of its placeholder:
    /// <c>InvalidateTag($"project:{projectId}")</c> (formatted with the invariant culture).
    /// </summary>
    public void InvalidateTag(CacheTag tag) => InvalidateTagHash(tag.ToHash());

    /// <summary>Drops every entry that carries <paramref name="tag"/>, in O(1) whatever the number of entries.</summary>
    public ValueTask InvalidateTagAsync(CacheTag tag, CancellationToken cancellationToken = default) =>
        InvalidateTagHashAsync(tag.ToHash(), cancellationToken);

    /// <summary>Drops every entry that carries the tag with hash <paramref name="tagHash"/> (see <see cref="CacheTag.ToHash"/>).</summary>
    public void InvalidateTagHash(UInt128 tagHash)
    {
        CacheMetrics.Invalidated("tag");
        Synchronously.Wait(RemoveTagAsync(tagHash, sync: true));
    }

    /// <summary>Drops every entry that carries the tag with hash <paramref name="tagHash"/>.</summary>
    public ValueTask InvalidateTagHashAsync(UInt128 tagHash, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        CacheMetrics.Invalidated("tag");
        return RemoveTagAsync(tagHash, sync: false);
    }

    /// <summary>The clock of TTLs, which also times <c>...Core</c> against a method's soft and hard timeouts.</summary>
    internal virtual TimeProvider Time => TimeProvider.System;

    /// <summary>
    /// The single-flight leader's read, after the in-process entries missed. A background refresh reads with
    /// <paramref name="refreshing"/>: past the in-process layers, and a hit that is still due for refresh is a miss
    /// (one that is not was refreshed meanwhile, by this instance or another).
    /// </summary>
    internal abstract ValueTask<CacheLookup<T>> ReadAsync<T>(MethodDescription<T> method, CacheKey key, bool sync, bool refreshing = false);

    /// <summary>
    /// The reads of a batch's keys, into <paramref name="reads"/>: each as <see cref="ReadAsync"/> reads it, every one
    /// issued before any is awaited.
    /// </summary>
    internal virtual async ValueTask ReadManyAsync<T>(MethodDescription<T> method, IReadOnlyList<CacheKey> keys, CacheLookup<T>[] reads, bool sync)
    {
        if (sync)
        {
            for (int n = 0; n < keys.Count; n++)
            {
                reads[n] = Synchronously.Result(ReadAsync(method, keys[n], sync: true));
            }
            return;
        }
        var pending = new ValueTask<CacheLookup<T>>[keys.Count];
        for (int n = 0; n < keys.Count; n++)
        {
            pending[n] = ReadAsync(method, keys[n], sync: false);
        }
        for (int n = 0; n < keys.Count; n++)
        {
            reads[n] = await pending[n].ConfigureAwait(false);
        }
    }

    /// <summary>Stores the leader's result for <paramref name="ttl"/>, where its read says it belongs.</summary>
    internal abstract ValueTask WriteAsync<T>(MethodDescription<T> method, CacheKey key, CacheLookup<T> read, T value, TimeSpan ttl, bool sync);

    /// <summary>
    /// For a method that computes once across instances, after its read missed: wait for the instance that holds the
    /// key's lease, or take the lease. A store with no other instances to share with computes here.
    /// </summary>
    internal virtual ValueTask<FleetClaim<T>> ClaimAsync<T>(MethodDescription<T> method, CacheKey key, bool sync, CancellationToken cancellationToken,
        bool refreshing = false, bool wait = true) => new(FleetClaim<T>.ComputeHere);

    /// <summary>Gives back a lease from <see cref="ClaimAsync"/>, once the value is stored or its computation failed.</summary>
    internal virtual ValueTask ReleaseAsync<T>(MethodDescription<T> method, FleetClaim<T> claim, bool sync) => default;

    private protected abstract ValueTask RemoveEntryAsync<T>(MethodDescription<T> method, UInt128 hash, bool sync);

    private protected abstract ValueTask RemoveTagAsync(UInt128 tagHash, bool sync);

    /// <summary>Builds the default store from the value of <c>RESULTCACHE_REDIS</c>.</summary>
    internal static CacheStore CreateDefault(string? redisConfiguration)
    {
        if (string.IsNullOrWhiteSpace(redisConfiguration))
        {
            return new MemoryCacheStore();
        }
        try
        {
            return new RedisCacheStore(new RedisCacheStoreOptions { Configuration = redisConfiguration });
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException(
                $"The environment variable {RedisEnvironmentVariable} is not a valid StackExchange.Redis connection string: {ex.Message} " +
                "Set it to, for example, \"localhost:6379\", or unset it to cache in process.", ex);
        }
    }

    private static CacheStore InitializeDefault()
    {
        CacheStore created = CreateDefault(Environment.GetEnvironmentVariable(RedisEnvironmentVariable));
        CacheStore? winner = Interlocked.CompareExchange(ref s_default, created, null);
        if (winner is null)
        {
            return created;
        }
        (created as IDisposable)?.Dispose();
        return winner;
    }
}
