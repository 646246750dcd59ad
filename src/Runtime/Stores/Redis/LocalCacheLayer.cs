using System.Globalization;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// The Redis store's in-process layer: a memory store with a shorter TTL, evicted across instances by messages on
/// one pub/sub channel. A message is <c>{instance}|{Redis key}</c>; an instance ignores its own.
/// </summary>
internal sealed class LocalCacheLayer
{
    private readonly MemoryCacheStore _entries;
    private readonly TimeSpan _ttl;
    private readonly string _tagKeyPrefix;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private long _evictions;

    public LocalCacheLayer(LocalCacheOptions options, TimeProvider time, string keyPrefix)
    {
        options.Validate();
        _entries = new MemoryCacheStore(new MemoryCacheStoreOptions { MaxEntries = options.MaxEntries, TimeProvider = time });
        _ttl = options.Ttl;
        _tagKeyPrefix = keyPrefix + "tag:";
        Channel = RedisChannel.Literal(keyPrefix + "evictions");
    }

    public RedisChannel Channel { get; }

    public int Count => _entries.Count;

    /// <summary>Counts evictions received; a fill from Redis is skipped if one arrived while it was reading.</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>The entries; a hit is read from them directly, so it costs what a memory-store hit costs.</summary>
    public MemoryCacheStore Entries => _entries;

    /// <summary>Keeps a value read from Redis, unless an eviction arrived since <paramref name="evictionsBefore"/>.</summary>
    public void Fill<T>(CachedMethod<T> method, CacheKey key, TagVersions localVersions, long evictionsBefore, T value)
    {
        if (Evictions == evictionsBefore)
        {
            _entries.Set(key, localVersions, value, TtlFor(method), TimeSpan.Zero);
        }
    }

    /// <summary>Keeps a value this instance just computed. Tagged values wait for their next read from Redis, which carries local versions.</summary>
    public void Keep<T>(CachedMethod<T> method, CacheKey key, T value)
    {
        if (key.Tags.Count == 0)
        {
            _entries.Set(key, default, value, TtlFor(method), TimeSpan.Zero);
        }
    }

    /// <summary>Evicts locally what a Redis key names: one entry, or every entry of a tag.</summary>
    public void Evict(string redisKey)
    {
        Interlocked.Increment(ref _evictions);
        if (redisKey.StartsWith(_tagKeyPrefix, StringComparison.Ordinal))
        {
            if (TryParseHash(redisKey.AsSpan(_tagKeyPrefix.Length), out UInt128 tag))
            {
                _entries.InvalidateTagHash(tag);
            }
        }
        else if (redisKey.Length >= 32 && TryParseHash(redisKey.AsSpan(redisKey.Length - 32), out UInt128 hash))
        {
            _entries.Invalidate(hash);
        }
    }

    public RedisValue Message(string redisKey) => _instance + "|" + redisKey;

    public void OnMessage(RedisValue message)
    {
        string? text = message;
        int separator = text?.IndexOf('|') ?? -1;
        if (separator > 0 && !text.AsSpan(0, separator).SequenceEqual(_instance))
        {
            Evict(text![(separator + 1)..]);
        }
    }

    /// <summary>Drops everything: after an outage, messages sent meanwhile were missed.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _evictions);
        _entries.Clear();
    }

    private TimeSpan TtlFor<T>(CachedMethod<T> method) => method.Ttl < _ttl ? method.Ttl : _ttl;

    private static bool TryParseHash(ReadOnlySpan<char> hex, out UInt128 hash) =>
        UInt128.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out hash);
}
