using Microsoft.Extensions.Logging;

namespace ResultCache;

/// <summary>The Redis store's log messages. They name the method and key hash, never argument or cached values.</summary>
internal static partial class RedisCacheLog
{
    [LoggerMessage(1, LogLevel.Warning, "Redis is unavailable ({Reason}); cached methods are served in process for {Backoff}, then a background probe tries again.")]
    public static partial void Unavailable(ILogger logger, string reason, TimeSpan backoff, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "Redis is available; cached methods use it.")]
    public static partial void Available(ILogger logger);

    [LoggerMessage(3, LogLevel.Debug, "Redis probe failed ({Reason}); next probe in {Backoff}.")]
    public static partial void ProbeFailed(ILogger logger, string reason, TimeSpan backoff);

    [LoggerMessage(4, LogLevel.Warning, "Redis answered {Method} key {KeyHash} with an error; treated as a miss.")]
    public static partial void ServerError(ILogger logger, string method, string keyHash, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "The cached value of {Method} key {KeyHash} could not be read (corrupt or of an older shape); treated as a miss and overwritten.")]
    public static partial void Undeserializable(ILogger logger, string method, string keyHash, Exception exception);

    [LoggerMessage(6, LogLevel.Error, "The result of {Method} could not be serialized, so it was not cached.")]
    public static partial void Unserializable(ILogger logger, string method, Exception exception);

    [LoggerMessage(7, LogLevel.Information, "Redis is back: deleted {Count} entries and tags invalidated while it was unreachable.")]
    public static partial void InvalidationsReplayed(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Error, "More than {Capacity} invalidations arrived while Redis was unreachable; the ones past that were dropped, so their entries may be served until their TTL ends.")]
    public static partial void InvalidationsDropped(ILogger logger, int capacity);

    [LoggerMessage(9, LogLevel.Information, "Redis connection reset; the next probe connects afresh (the old connection is disposed once in-flight calls had their timeout).")]
    public static partial void ConnectionReset(ILogger logger);

    [LoggerMessage(10, LogLevel.Warning, "A result of {Method} takes {Bytes} bytes in Redis, over the cap of {MaxEntryBytes} bytes per entry: it is returned but not stored. Raise RedisCacheStoreOptions.MaxEntryBytes to store it. Logged once per method; the cache.too_large counter counts every one.")]
    public static partial void TooLarge(ILogger logger, string method, long bytes, long maxEntryBytes);

    [LoggerMessage(11, LogLevel.Information, "Took over computing {Method} after waiting {Waited} for another instance: its lease was given back without a value (its ...Core failed) or expired (it stopped).")]
    public static partial void LeaseTakenOver(ILogger logger, string method, TimeSpan waited);

    [LoggerMessage(12, LogLevel.Warning, "Stopped waiting for another instance to compute {Method} after {Waited}, the lease time, and computed it here. Raise RedisCacheStoreOptions.LeaseTime above the method's ...Core time.")]
    public static partial void LeaseWaitEnded(ILogger logger, string method, TimeSpan waited);

    [LoggerMessage(13, LogLevel.Warning, "Redis key {Key} holds another Redis type than the string an entry is; read as a miss, and replaced by the next result stored.")]
    public static partial void WrongType(ILogger logger, string key, Exception exception);

    [LoggerMessage(14, LogLevel.Warning, "Redis key {Key} should hold a tag's version (a 64-bit number) but holds something else; replaced by a fresh version, so that tag's entries miss once.")]
    public static partial void TagVersionReplaced(ILogger logger, string key);

    [LoggerMessage(15, LogLevel.Warning, "The cached value of {Method} key {KeyHash} is null, but the method does not cache nulls (set CacheNulls = true to cache them); treated as a miss and overwritten.")]
    public static partial void NullStored(ILogger logger, string method, string keyHash);

    [LoggerMessage(16, LogLevel.Warning, "The cached entry of {Method} key {KeyHash} is over the cap of {MaxEntryBytes} bytes (RedisCacheStoreOptions.MaxEntryBytes), so it cannot be one this store wrote; treated as a miss and overwritten.")]
    public static partial void EntryOverCap(ILogger logger, string method, string keyHash, long maxEntryBytes);

    [LoggerMessage(18, LogLevel.Warning, "Redis refused the script that gives a lease back ({Reason}). Single flight across instances goes on, but each lease now ends by its expiry: when the instance computing a key fails, the others wait up to {LeaseTime} before computing it themselves. To give leases back at once, enable scripting (Garnet: start it with --lua true) or allow EVAL and EVALSHA to the Redis user (+eval +evalsha). Logged once.")]
    public static partial void ScriptsRefused(ILogger logger, string reason, TimeSpan leaseTime);

    [LoggerMessage(17, LogLevel.Warning, "The lease key {Key} holds a value no instance wrote (or one that outlived its lease time); deleted, so the next miss takes the lease.")]
    public static partial void ForeignLease(ILogger logger, string key);

    [LoggerMessage(19, LogLevel.Warning, "Redis Cluster node {Node} is unavailable ({Reason}); the keys of its {Slots} slots are served in process for {Backoff}, then a probe asks the cluster again. The other nodes' keys keep using Redis.")]
    public static partial void NodeUnavailable(ILogger logger, string node, int slots, string reason, TimeSpan backoff, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "The slots of Redis Cluster node {Node} are served again (by it, or by the replica promoted in its place); their keys use Redis.")]
    public static partial void NodeAvailable(ILogger logger, string node);

    [LoggerMessage(21, LogLevel.Information, "Redis refused SET with both NX and GET ({Reason}); the combination needs Redis 7.0. A tag's version is now started with SET NX, then GET: one more round trip on a tag's first use. Logged once.")]
    public static partial void SetAndGetRefused(ILogger logger, string reason);

    [LoggerMessage(22, LogLevel.Information, "Sentinel switched the primary of {Service} ({Switch}); the store probes Redis now rather than after its backoff.")]
    public static partial void PrimarySwitched(ILogger logger, string service, string @switch);

    [LoggerMessage(23, LogLevel.Warning, "Could not subscribe to the sentinels' +switch-master for {Service} ({Reason}); trying again in the background. Until then caching follows a failover only at the store's next probe, up to Backoff after the promotion.")]
    public static partial void SentinelWatchFailed(ILogger logger, string service, string reason);

    [LoggerMessage(24, LogLevel.Information, "Subscribed to the sentinels' +switch-master for {Service}: caching follows a failover within a probe of the promotion.")]
    public static partial void SentinelWatchStarted(ILogger logger, string service);
}
