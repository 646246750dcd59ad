using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Settings of the <see cref="RedisCacheStore"/>. The defaults suit one Redis or a cluster behind a container network:
/// short timeouts and no retries, so a fault costs a caller at most one timeout; a first probe a second after a fault,
/// backing off to one every 30 s, so a short fault costs seconds and a dead Redis sees little traffic.
/// </summary>
public sealed class RedisCacheStoreOptions
{
    /// <summary>A StackExchange.Redis connection string, such as <c>"localhost:6379,password=..."</c>. Set this or <see cref="ConfigurationOptions"/>.</summary>
    public string? Configuration { get; set; }

    /// <summary>Parsed client options, for what a connection string cannot say. Set this or <see cref="Configuration"/>.</summary>
    public ConfigurationOptions? ConfigurationOptions { get; set; }

    /// <summary>
    /// A connection the application already has (for example the <c>IConnectionMultiplexer</c> in its container).
    /// Set this, <see cref="Configuration"/> or <see cref="ConfigurationOptions"/>. The store then never disposes or
    /// replaces it, and the connection's own settings govern its timeouts and retries.
    /// </summary>
    public IConnectionMultiplexer? Connection { get; set; }

    /// <summary>Put before every key, so several applications can share one Redis. Default <c>"rc:"</c>.</summary>
    public string KeyPrefix { get; set; } = "rc:";

    /// <summary>
    /// How long the gate stays closed after a connection fault before a background probe tries Redis again, the first
    /// time. Each failed probe doubles the wait, up to <see cref="Backoff"/>; it starts from this again once Redis stayed
    /// up for <see cref="Backoff"/>. Never longer than <see cref="Backoff"/>. Default 1 s.
    /// </summary>
    public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest the gate stays closed between two probes: a Redis that stays down sees one probe per process per
    /// this, and so does one that keeps failing soon after each recovery. Default 30 s.
    /// </summary>
    public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection idle this long is PINGed, so a silently dropped one is found before a request needs it. Default 15 s.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a connect may take; the store's first call waits for its first connect at most this (plus a second). Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a read or write may take; there is no retry. Default 2 s.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a tag's version key lives after its first use. It bounds the keys left by tags of
    /// arguments no longer used; when one lapses, entries under that tag miss once. Default 7 days.
    /// </summary>
    public TimeSpan TagRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Results whose JSON is longer than this many bytes are stored LZ4-compressed (JSON shrinks to 35–45 %); null
    /// stores every result as plain JSON. Entries written either way read under any setting. Default 4096: below it a
    /// hit's round trip dwarfs what compression would save.
    /// </summary>
    public int? CompressAbove { get; set; } = 4096;

    /// <summary>
    /// The largest entry stored in Redis, in bytes after compression. A larger result is returned to its caller and
    /// not stored, at no Redis round trip; the <c>cache.too_large</c> counter counts each one and a warning names the
    /// method once. Default 8 MiB.
    /// </summary>
    public long MaxEntryBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// For methods with <see cref="CacheResultAttribute.SingleFlightAcrossInstances"/>: how long a lease in Redis lets
    /// one instance compute a missed key while the others wait for its value, and so the longest they wait before
    /// computing it themselves. Set it above the method's usual <c>...Core</c> time. Default 5 s.
    /// </summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// An in-process layer (L1) in front of Redis, with its own shorter TTL; off (null) by default. Writes and
    /// invalidations evict it on every instance through Redis pub/sub, and it keeps serving while Redis is down.
    /// </summary>
    public LocalCacheOptions? LocalCache { get; set; }

    /// <summary>
    /// Results computed while Redis is unavailable are kept in process for the method's TTL (however long the outage,
    /// they do not expire sooner), and dropped when Redis returns. Set its <c>Ttl</c> to zero to turn it off.
    /// </summary>
    public OutageCacheOptions OutageCache { get; } = new();

    /// <summary>The clock for the backoff and the health check. Tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Receives one warning per transition to unavailable, and the errors that are treated as misses.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>Checks every setting and returns the client options the store connects with.</summary>
    internal ConfigurationOptions Validate()
    {
        if ((Configuration is null ? 0 : 1) + (ConfigurationOptions is null ? 0 : 1) + (Connection is null ? 0 : 1) != 1)
        {
            throw new ArgumentException(
                "Set exactly one of RedisCacheStoreOptions.Configuration (a connection string such as \"localhost:6379\"), ConfigurationOptions, or Connection (a connection the application owns).");
        }
        RequirePositive(FirstBackoff, nameof(FirstBackoff));
        RequirePositive(Backoff, nameof(Backoff));
        RequirePositive(HealthCheckInterval, nameof(HealthCheckInterval));
        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(OperationTimeout, nameof(OperationTimeout));
        RequirePositive(TagRetention, nameof(TagRetention));
        RequirePositive(LeaseTime, nameof(LeaseTime));
        if (CompressAbove < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CompressAbove), CompressAbove, "RedisCacheStoreOptions.CompressAbove must be zero or more bytes, or null to store results uncompressed.");
        }
        if (MaxEntryBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntryBytes), MaxEntryBytes, "RedisCacheStoreOptions.MaxEntryBytes must be positive: the largest entry, in bytes, to store in Redis.");
        }
        LocalCache?.Validate();
        OutageCache.Validate(Backoff);
        ArgumentNullException.ThrowIfNull(KeyPrefix, nameof(KeyPrefix));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(Logger, nameof(Logger));

        ConfigurationOptions options;
        if (Connection is not null)
        {
            return new ConfigurationOptions(); // not used: the application's connection is
        }
        if (ConfigurationOptions is { } given)
        {
            options = given.Clone();
        }
        else
        {
            try
            {
                options = ConfigurationOptions.Parse(Configuration!);
            }
            catch (Exception ex) when (ex is ArgumentException or RedisConnectionException)
            {
                throw new ArgumentException($"RedisCacheStoreOptions.Configuration \"{Configuration}\" is not a valid connection string: {ex.Message}", ex);
            }
        }
        if (options.EndPoints.Count == 0)
        {
            throw new ArgumentException("The Redis configuration names no endpoint. Give at least one, such as \"localhost:6379\".");
        }

        // Fail fast: one connect attempt, and commands fail at once instead of queueing while the link is down.
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = ToMilliseconds(ConnectTimeout);
        options.SyncTimeout = ToMilliseconds(OperationTimeout);
        options.AsyncTimeout = ToMilliseconds(OperationTimeout);
        // The client notices an async timeout only at its heartbeat (1 s by default); beat often enough that a
        // hung call ends close to OperationTimeout, not up to a second after it.
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Clamp(OperationTimeout.TotalMilliseconds / 4, 100, 1000));
        // The client's own keep-alive PING, the counterpart of redis-py's health_check_interval.
        options.KeepAlive = Math.Max(1, (int)HealthCheckInterval.TotalSeconds);
        return options;
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"RedisCacheStoreOptions.{name} must be positive.");
        }
    }

    private static int ToMilliseconds(TimeSpan value) => (int)Math.Min(int.MaxValue, Math.Ceiling(value.TotalMilliseconds));
}
