using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResultCache;

/// <summary>
/// Where cached results live. Implementations never throw for a backend fault: a read that fails is a
/// miss and a write that fails is skipped, so the caller always gets a result from <c>...Core</c>.
/// </summary>
public abstract class CacheStore
{
    /// <summary>The environment variable read at first use when no store was configured in code.</summary>
    public const string RedisEnvironmentVariable = "RESULTCACHE_REDIS";

    private static CacheStore? s_default;

    /// <summary>
    /// A store's in-process layer, if it has one: cached methods read it before calling the store, so its hits cost
    /// what a memory-store hit costs. The store itself still checks it, for reads that come another way.
    /// </summary>
    internal MemoryCacheStore? LocalEntries { get; private protected init; }

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
    /// True while the store cannot be used (a closed Redis gate): generated code then calls <c>...Core</c>
    /// directly, without building a key. Reading it costs a field read, and a clock read while the gate is closed.
    /// </summary>
    public virtual bool IsBypassing => false;

    /// <summary>Where the cache-aside steps log (fail-safe fallbacks); the stores take it from their options.</summary>
    public virtual ILogger Logger => NullLogger.Instance;

    /// <summary>Reads a cached value synchronously. A miss of a tagged call carries the tags' versions for <see cref="Set"/>.</summary>
    public abstract CacheLookup<T> Get<T>(CachedMethod<T> method, CacheKey key);

    /// <summary>Reads a cached value. A miss of a tagged call carries the tags' versions for <see cref="SetAsync"/>.</summary>
    public abstract ValueTask<CacheLookup<T>> GetAsync<T>(CachedMethod<T> method, CacheKey key);

    /// <summary>
    /// Stores a value synchronously for the method's TTL, under the tag versions its read returned.
    /// A tagged value without versions (the read bypassed the store) is not stored.
    /// </summary>
    public abstract void Set<T>(CachedMethod<T> method, CacheKey key, TagVersions versions, T value);

    /// <summary>Stores a value for the method's TTL, under the tag versions its read returned.</summary>
    public abstract ValueTask SetAsync<T>(CachedMethod<T> method, CacheKey key, TagVersions versions, T value);

    /// <summary>Removes one call's entry synchronously. Generated <c>Invalidate...</c> companions call it.</summary>
    public abstract void Invalidate<T>(CachedMethod<T> method, CacheKey key);

    /// <summary>Removes one call's entry. Generated <c>Invalidate...</c> companions call it.</summary>
    public abstract ValueTask InvalidateAsync<T>(CachedMethod<T> method, CacheKey key, CancellationToken cancellationToken = default);

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
    public abstract void InvalidateTagHash(UInt128 tagHash);

    /// <summary>Drops every entry that carries the tag with hash <paramref name="tagHash"/>.</summary>
    public abstract ValueTask InvalidateTagHashAsync(UInt128 tagHash, CancellationToken cancellationToken = default);

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
