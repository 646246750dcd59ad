using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Serialization.Metadata;

namespace ResultCache;

/// <summary>
/// One cached method: its identity, TTL and serializer, and the cache-aside steps that generated code
/// calls (look up, run <c>...Core</c> on a miss, store). Generated code keeps one per method in a static field.
/// </summary>
public sealed class CachedMethod<T>
{
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

    /// <summary>The key of a call from its written arguments, and its tags for a tagged method.</summary>
    public CacheKey Key(ref CacheKeyWriter arguments, CacheTags tags = default) => new(arguments.ToHash(Seed), tags);

    /// <summary>Cache-aside for a synchronous method.</summary>
    public T Invoke<TState>(CacheStore store, CacheKey key, TState state, Func<TState, T> core)
    {
        CacheLookup<T> lookup = store.Get(this, key);
        if (lookup.Found)
        {
            return lookup.Value;
        }
        T value = core(state);
        if (ShouldStore(value))
        {
            store.Set(this, key, lookup.Versions, value);
        }
        return value;
    }

    /// <summary>Cache-aside for a method returning <see cref="Task{T}"/>.</summary>
    public Task<T> InvokeAsync<TState>(CacheStore store, CacheKey key, TState state, Func<TState, Task<T>> core, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        ValueTask<CacheLookup<T>> pending = store.GetAsync(this, key);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitLookupAsync(store, key, pending, state, core);
        }
        // A ValueTask may be backed by a pooled source, so its result is read exactly once.
        CacheLookup<T> lookup = pending.Result;
        return lookup.Found ? Task.FromResult(lookup.Value) : ComputeAsync(store, key, lookup.Versions, state, core);
    }

    /// <summary>Cache-aside for a method returning <see cref="ValueTask{T}"/>; a hit from memory allocates nothing.</summary>
    public ValueTask<T> InvokeValueAsync<TState>(CacheStore store, CacheKey key, TState state, Func<TState, ValueTask<T>> core, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }
        ValueTask<CacheLookup<T>> pending = store.GetAsync(this, key);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitLookupValueAsync(store, key, pending, state, core);
        }
        CacheLookup<T> lookup = pending.Result;
        return lookup.Found ? new ValueTask<T>(lookup.Value) : ComputeValueAsync(store, key, lookup.Versions, state, core);
    }

    private async Task<T> AwaitLookupAsync<TState>(CacheStore store, CacheKey key, ValueTask<CacheLookup<T>> pending, TState state, Func<TState, Task<T>> core)
    {
        CacheLookup<T> lookup = await pending.ConfigureAwait(false);
        return lookup.Found ? lookup.Value : await ComputeAsync(store, key, lookup.Versions, state, core).ConfigureAwait(false);
    }

    private async Task<T> ComputeAsync<TState>(CacheStore store, CacheKey key, TagVersions versions, TState state, Func<TState, Task<T>> core)
    {
        // Core's exception propagates as is (same object, stack intact) and nothing is stored.
        T value = await core(state).ConfigureAwait(false);
        if (ShouldStore(value))
        {
            await store.SetAsync(this, key, versions, value).ConfigureAwait(false);
        }
        return value;
    }

    // The ValueTask twins are pooled, so a Redis hit through a ValueTask method allocates no Task.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> AwaitLookupValueAsync<TState>(CacheStore store, CacheKey key, ValueTask<CacheLookup<T>> pending, TState state, Func<TState, ValueTask<T>> core)
    {
        CacheLookup<T> lookup = await pending.ConfigureAwait(false);
        return lookup.Found ? lookup.Value : await ComputeValueAsync(store, key, lookup.Versions, state, core).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> ComputeValueAsync<TState>(CacheStore store, CacheKey key, TagVersions versions, TState state, Func<TState, ValueTask<T>> core)
    {
        T value = await core(state).ConfigureAwait(false);
        if (ShouldStore(value))
        {
            await store.SetAsync(this, key, versions, value).ConfigureAwait(false);
        }
        return value;
    }

    private bool ShouldStore(T value) => value is not null || CacheNulls;
}
