namespace ResultCache;

/// <summary>
/// What <c>AddResultCache</c> registers: Redis when <see cref="RedisCacheStoreOptions.Configuration"/> is set (or
/// <see cref="UseRegisteredConnectionMultiplexer"/>), the embedded memory store otherwise. Bound from the
/// <c>ResultCache</c> configuration section (<c>ResultCache:Redis:Configuration</c>, <c>ResultCache:Redis:Backoff</c>,
/// <c>ResultCache:Memory:MaxEntries</c>, ...) and checked when the host starts.
/// </summary>
public sealed class ResultCacheOptions
{
    /// <summary>The configuration section <c>AddResultCache(configuration)</c> reads.</summary>
    public const string SectionName = "ResultCache";

    /// <summary>The Redis store's settings; used when a connection string is set.</summary>
    public RedisCacheStoreOptions Redis { get; } = new();

    /// <summary>The embedded store's settings; used when no Redis is configured.</summary>
    public MemoryCacheStoreOptions Memory { get; } = new();

    /// <summary>Use the <c>IConnectionMultiplexer</c> the application registered instead of connecting with a string.</summary>
    public bool UseRegisteredConnectionMultiplexer { get; set; }

    /// <summary>Whether this configuration caches in Redis.</summary>
    public bool UsesRedis => UseRegisteredConnectionMultiplexer || Redis.Configuration is not null || Redis.ConfigurationOptions is not null;
}
