using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Caches results in Redis through one long-lived StackExchange.Redis connection, behind a backoff gate.
/// A Redis fault never reaches the caller: it costs at most one operation timeout, closes the gate for
/// <see cref="RedisCacheStoreOptions.Backoff"/> (calls then run <c>...Core</c> without touching the network),
/// resets the connection, and one probe after the backoff turns caching back on.
/// </summary>
public sealed partial class RedisCacheStore : CacheStore, IDisposable
{
    /// <summary>How many invalidations are remembered while Redis is unreachable; past it, each one more is logged as dropped.</summary>
    public const int PendingInvalidationCapacity = 100_000;

    private readonly ConfigurationOptions _configuration;
    private readonly string _keyPrefix;
    private readonly TimeSpan _backoff;
    private readonly TimeSpan _disposeGrace;
    private readonly long _healthCheckMilliseconds;
    private readonly CacheClock _clock;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisGate _gate;
    private readonly ITimer _healthCheck;
    private readonly RedisTagVersions _tagVersions;
    private readonly LocalCacheLayer? _local;
    private readonly PendingInvalidations _pending = new(PendingInvalidationCapacity);
    private readonly IConnectionMultiplexer? _external;
    private IConnectionMultiplexer? _connection;
    private long _lastSuccess;
    private int _firstProbeClaimed;
    private int _reportedDown;
    private int _disposed;

    /// <summary>Connects to Redis with a StackExchange.Redis connection string and the default settings.</summary>
    /// <exception cref="ArgumentException">The connection string is not valid.</exception>
    public RedisCacheStore(string configuration)
        : this(new RedisCacheStoreOptions { Configuration = configuration })
    {
    }

    /// <summary>Creates the store. It connects at the first cached call, not here.</summary>
    /// <exception cref="ArgumentException">A setting is not valid; the message names it.</exception>
    public RedisCacheStore(RedisCacheStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _configuration = options.Validate();
        _external = options.Connection;
        _keyPrefix = options.KeyPrefix;
        _backoff = options.Backoff;
        _disposeGrace = options.OperationTimeout + TimeSpan.FromSeconds(1);
        _clock = new CacheClock(options.TimeProvider);
        _time = options.TimeProvider;
        _logger = options.Logger;
        _healthCheckMilliseconds = (long)(options.HealthCheckInterval.TotalMilliseconds / 2);
        _gate = new RedisGate(options.TimeProvider, options.Backoff);
        _tagVersions = new RedisTagVersions(this, options.TagRetention);
        _local = options.LocalCache is { } local ? new LocalCacheLayer(local, options.TimeProvider, options.KeyPrefix) : null;
        LocalEntries = _local?.Entries;
        CacheMetrics.Track(this, _keyPrefix);
        // Every half interval, PING a connection that did nothing in the last half: no connection goes a
        // whole interval unverified, so one silently dropped by a NAT or conntrack is found before a request needs it.
        TimeSpan period = options.HealthCheckInterval / 2;
        _healthCheck = options.TimeProvider.CreateTimer(static state => ((RedisCacheStore)state!).OnHealthCheckTimer(), this, period, period);
    }

    /// <summary>Whether calls use Redis now, bypass it, or one of them is probing.</summary>
    public RedisStatus Status => _gate.Status;

    /// <inheritdoc/>
    public override bool IsBypassing
    {
        get
        {
            // The local layer serves even while Redis is down, so with one the store never bypasses as a whole.
            bool bypassing = _local is null && _gate.IsBypassing;
            if (bypassing)
            {
                CacheMetrics.StoreBypass(_keyPrefix);
            }
            return bypassing;
        }
    }

    /// <inheritdoc/>
    public override ILogger Logger => _logger;

    /// <summary>Entries in the local layer; for tests.</summary>
    internal int LocalCount => _local?.Count ?? 0;

    /// <summary>Evictions the local layer has applied, received ones included; for tests.</summary>
    internal long LocalEvictions => _local?.Evictions ?? 0;

    /// <summary>
    /// Drops the current connection (disposed after in-flight calls had their timeout) and lets the next
    /// call connect afresh. For tests and operators; faults reset the connection by themselves.
    /// </summary>
    public void ResetConnection()
    {
        Retire(Interlocked.Exchange(ref _connection, null));
        _gate.ProbeNow();
    }

    /// <summary>The Redis key of <paramref name="method"/>'s entry for the argument hash <paramref name="key"/>.</summary>
    public string KeyFor<T>(CachedMethod<T> method, UInt128 key) =>
        string.Create(_keyPrefix.Length + method.KeyPrefix.Length + 32, (_keyPrefix, method.KeyPrefix, key), static (span, state) =>
        {
            state._keyPrefix.CopyTo(span);
            state.KeyPrefix.CopyTo(span[state._keyPrefix.Length..]);
            state.key.TryFormat(span[(state._keyPrefix.Length + state.KeyPrefix.Length)..], out _, "x32", CultureInfo.InvariantCulture);
        });

    /// <summary>The Redis key that holds the current version of the tag with hash <paramref name="tagHash"/>.</summary>
    public string TagKeyFor(UInt128 tagHash) => _keyPrefix + "tag:" + tagHash.ToString("x32", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override CacheLookup<T> Get<T>(CachedMethod<T> method, CacheKey key)
    {
        if (_local is { } local)
        {
            long evictions = local.Evictions;
            CacheLookup<T> hit = local.Entries.Get(method, key);
            return hit.Found ? hit : GetFromRedis(method, key, new LocalRead(hit.Versions, evictions));
        }
        return GetFromRedis(method, key, default);
    }

    private CacheLookup<T> GetFromRedis<T>(CachedMethod<T> method, CacheKey key, LocalRead local)
    {
        Admission admission = _gate.Admit();
        if (admission == Admission.Bypass || (admission == Admission.Probe && ProbedInBackground()))
        {
            CacheMetrics.Bypass(method.Name);
            return CacheLookup<T>.Miss;
        }
        IConnectionMultiplexer? connection = Volatile.Read(ref _connection);
        if (connection is null && admission == Admission.Probe)
        {
            connection = Connect(admission, () => ConnectionMultiplexer.Connect(_configuration));
        }
        if (connection is null || !ReplayedBeforeProbe(connection, admission))
        {
            return CacheLookup<T>.Miss;
        }
        if (key.Tags.Count > 0)
        {
            // Tag versions are read in the same round trip as the entry; the asynchronous path does that.
            return ReadAsync(connection, method, key, admission, local).AsTask().GetAwaiter().GetResult();
        }
        RedisValue raw;
        using Activity? activity = CacheActivities.Start("get", method.Name);
        try
        {
            raw = connection.GetDatabase().StringGet(KeyFor(method, key.Hash));
            activity?.SetTag("cache.hit", !raw.IsNull);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnFailure(connection, admission, ex, method.Name, key.Hash);
            return CacheLookup<T>.Miss;
        }
        OnSuccess(admission);
        return Decoded(method, key, raw, default, local);
    }

    /// <inheritdoc/>
    public override ValueTask<CacheLookup<T>> GetAsync<T>(CachedMethod<T> method, CacheKey key)
    {
        if (_local is { } local)
        {
            long evictions = local.Evictions;
            CacheLookup<T> hit = local.Entries.Get(method, key);
            return hit.Found ? new ValueTask<CacheLookup<T>>(hit) : GetFromRedisAsync(method, key, new LocalRead(hit.Versions, evictions));
        }
        return GetFromRedisAsync(method, key, default);
    }

    private ValueTask<CacheLookup<T>> GetFromRedisAsync<T>(CachedMethod<T> method, CacheKey key, LocalRead local)
    {
        Admission admission = _gate.Admit();
        if (admission == Admission.Bypass || (admission == Admission.Probe && ProbedInBackground()))
        {
            CacheMetrics.Bypass(method.Name);
            return new ValueTask<CacheLookup<T>>(CacheLookup<T>.Miss); // gate closed: completes at once, no network
        }
        return ConnectAndReadAsync(method, key, admission, local);
    }

    /// <inheritdoc/>
    public override void Set<T>(CachedMethod<T> method, CacheKey key, TagVersions versions, T value)
    {
        if (PrepareWrite(method, key, versions, value) is not { } write)
        {
            return;
        }
        using Activity? activity = CacheActivities.Start("set", method.Name);
        try
        {
            write.Connection.GetDatabase().StringSet(write.Key, write.Payload, write.Expiry);
            Applied(write.Connection, write.Key);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnFailure(write.Connection, Admission.Use, ex, method.Name, key.Hash);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask SetAsync<T>(CachedMethod<T> method, CacheKey key, TagVersions versions, T value)
    {
        if (PrepareWrite(method, key, versions, value) is not { } write)
        {
            return;
        }
        using Activity? activity = CacheActivities.Start("set", method.Name);
        try
        {
            await write.Connection.GetDatabase().StringSetAsync(write.Key, write.Payload, write.Expiry).ConfigureAwait(false);
            Applied(write.Connection, write.Key);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnFailure(write.Connection, Admission.Use, ex, method.Name, key.Hash);
        }
    }

    /// <summary>Stops the health check and closes the connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _healthCheck.Dispose();
        CacheMetrics.Untrack(this);
        IConnectionMultiplexer? connection = Interlocked.Exchange(ref _connection, null);
        if (connection != _external)
        {
            connection?.Dispose();
        }
    }

    // Pooled: the state machine is reused across calls, so a Redis read allocates no Task of its own.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<CacheLookup<T>> ConnectAndReadAsync<T>(CachedMethod<T> method, CacheKey key, Admission admission, LocalRead local)
    {
        IConnectionMultiplexer? connection = Volatile.Read(ref _connection);
        if (connection is null && admission == Admission.Probe)
        {
            connection = await ConnectAsync(admission).ConfigureAwait(false);
        }
        if (connection is null || !await ReplayedBeforeProbeAsync(connection, admission).ConfigureAwait(false))
        {
            return CacheLookup<T>.Miss;
        }
        return await ReadAsync(connection, method, key, admission, local).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<CacheLookup<T>> ReadAsync<T>(IConnectionMultiplexer connection, CachedMethod<T> method, CacheKey key, Admission admission, LocalRead local)
    {
        IDatabase database = connection.GetDatabase();
        RedisValue raw;
        TagVersions versions = default;
        using Activity? activity = CacheActivities.Start("get", method.Name);
        try
        {
            // All GETs are sent before the first await: one round trip, and single-key commands only, so it works on a cluster.
            Task<RedisValue> entry = database.StringGetAsync(KeyFor(method, key.Hash));
            Task<RedisValue>[]? tagReads = key.Tags.Count == 0 ? null : _tagVersions.Read(database, key.Tags);
            raw = await entry.ConfigureAwait(false);
            if (tagReads is not null)
            {
                versions = await _tagVersions.CompleteAsync(database, key.Tags, tagReads).ConfigureAwait(false);
            }
            activity?.SetTag("cache.hit", !raw.IsNull);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnFailure(connection, admission, ex, method.Name, key.Hash);
            return CacheLookup<T>.Miss;
        }
        OnSuccess(admission);
        return Decoded(method, key, raw, versions, local);
    }

    // A write to send: the connection re-fetched for it, the key, the payload and the expiry (TTL plus fail-safe window).
    private readonly record struct PendingWrite(IConnectionMultiplexer Connection, string Key, byte[] Payload, TimeSpan Expiry);

    // Keeps the value locally, then says what to send to Redis; null when nothing is: no open connection, a tagged
    // value read while bypassing (no versions to store it under), or a value that does not serialize.
    private PendingWrite? PrepareWrite<T>(CachedMethod<T> method, CacheKey key, TagVersions versions, T value)
    {
        _local?.Keep(method, key, value);
        IConnectionMultiplexer? connection = ConnectionForWrite();
        TimeSpan ttl = method.NextTtl();
        if (connection is null || versions.Count != key.Tags.Count || Serialize(method, value, versions, ttl) is not { } payload)
        {
            return null;
        }
        return new PendingWrite(connection, KeyFor(method, key.Hash), payload, ttl + method.FailSafe);
    }

    // What the local layer said before the Redis read: its tag versions and eviction count, for filling it afterwards.
    private readonly record struct LocalRead(TagVersions Versions, long Evictions);

    private CacheLookup<T> Decoded<T>(CachedMethod<T> method, CacheKey key, RedisValue raw, TagVersions versions, LocalRead local)
    {
        CacheLookup<T> lookup = Decode(method, key.Hash, raw, versions);
        if (lookup.Found)
        {
            _local?.Fill(method, key, local.Versions, local.Evictions, lookup.Value);
        }
        return lookup;
    }

    private CacheLookup<T> Decode<T>(CachedMethod<T> method, UInt128 key, RedisValue raw, TagVersions versions)
    {
        var miss = versions.Count == 0 ? CacheLookup<T>.Miss : new CacheLookup<T>(versions);
        if (raw.IsNull)
        {
            return miss;
        }
        ReadOnlySpan<byte> bytes = ((ReadOnlyMemory<byte>)raw).Span;
        if (!EntryPayload.TryDecode(ref bytes, method.FailSafe > TimeSpan.Zero, versions, out long freshUntil))
        {
            return miss; // stored under a tag version that was invalidated since
        }
        T value;
        try
        {
            value = JsonSerializer.Deserialize(bytes, method.Json)!;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            CacheMetrics.Error("serialization");
            RedisCacheLog.Undeserializable(_logger, method.Name, key.ToString("x32", CultureInfo.InvariantCulture), ex);
            return miss;
        }
        // Kept past its TTL for fail-safe: a miss that carries the value to fall back on, until the window ends by
        // this process's clock too (Redis expires it by its own).
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return now < freshUntil ? new CacheLookup<T>(value)
            : now < freshUntil + (long)method.FailSafe.TotalMilliseconds ? CacheLookup<T>.Stale(value, versions)
            : miss;
    }

    private byte[]? Serialize<T>(CachedMethod<T> method, T value, TagVersions versions, TimeSpan ttl)
    {
        try
        {
            long? freshUntil = method.FailSafe > TimeSpan.Zero ? _time.GetUtcNow().Add(ttl).ToUnixTimeMilliseconds() : null;
            return EntryPayload.Encode(freshUntil, versions, JsonSerializer.SerializeToUtf8Bytes(value, method.Json));
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            CacheMetrics.Error("serialization");
            RedisCacheLog.Unserializable(_logger, method.Name, ex);
            return null;
        }
    }
}
