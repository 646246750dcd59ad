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
public sealed class RedisCacheStore : CacheStore, IDisposable
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
        _local?.Keep(method, key, value);
        IConnectionMultiplexer? connection = ConnectionForWrite();
        TimeSpan ttl = method.NextTtl();
        if (connection is null || versions.Count != key.Tags.Count || Serialize(method, value, versions, ttl) is not { } payload)
        {
            return;
        }
        using Activity? activity = CacheActivities.Start("set", method.Name);
        try
        {
            string redisKey = KeyFor(method, key.Hash);
            connection.GetDatabase().StringSet(redisKey, payload, expiry: ttl + method.FailSafe);
            MarkSuccess();
            Announce(connection, redisKey);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnFailure(connection, Admission.Use, ex, method.Name, key.Hash);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask SetAsync<T>(CachedMethod<T> method, CacheKey key, TagVersions versions, T value)
    {
        _local?.Keep(method, key, value);
        IConnectionMultiplexer? connection = ConnectionForWrite();
        TimeSpan ttl = method.NextTtl();
        if (connection is null || versions.Count != key.Tags.Count || Serialize(method, value, versions, ttl) is not { } payload)
        {
            return;
        }
        using Activity? activity = CacheActivities.Start("set", method.Name);
        try
        {
            string redisKey = KeyFor(method, key.Hash);
            await connection.GetDatabase().StringSetAsync(redisKey, payload, expiry: ttl + method.FailSafe).ConfigureAwait(false);
            MarkSuccess();
            Announce(connection, redisKey);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnFailure(connection, Admission.Use, ex, method.Name, key.Hash);
        }
    }

    /// <inheritdoc/>
    public override void Invalidate<T>(CachedMethod<T> method, CacheKey key)
    {
        CacheMetrics.Invalidated("entry");
        Delete(KeyFor(method, key.Hash));
    }

    /// <inheritdoc/>
    public override ValueTask InvalidateAsync<T>(CachedMethod<T> method, CacheKey key, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        CacheMetrics.Invalidated("entry");
        return DeleteAsync(KeyFor(method, key.Hash));
    }

    // Invalidating a tag deletes its version key: the next read gives the tag a fresh random version, so
    // every entry stored under an older one misses. One DEL, whatever the number of entries, and DEL
    // still works when Redis is out of memory.
    /// <inheritdoc/>
    public override void InvalidateTagHash(UInt128 tagHash)
    {
        CacheMetrics.Invalidated("tag");
        Delete(TagKeyFor(tagHash));
    }

    /// <inheritdoc/>
    public override ValueTask InvalidateTagHashAsync(UInt128 tagHash, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        CacheMetrics.Invalidated("tag");
        return DeleteAsync(TagKeyFor(tagHash));
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

    private IConnectionMultiplexer? Connect(Admission admission, Func<IConnectionMultiplexer> connect)
    {
        try
        {
            return Publish(_external ?? connect());
        }
        catch (Exception ex)
        {
            OnFailure(null, admission, ex, null, default);
            return null;
        }
    }

    private async Task<IConnectionMultiplexer?> ConnectAsync(Admission admission)
    {
        try
        {
            return Publish(_external ?? await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            OnFailure(null, admission, ex, null, default);
            return null;
        }
    }

    private IConnectionMultiplexer? Publish(IConnectionMultiplexer connection)
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _connection, connection, null) is not null)
        {
            if (connection != _external)
            {
                connection.Dispose();
            }
            return Volatile.Read(ref _connection);
        }
        if (_local is { } local)
        {
            Subscribe(connection, local);
        }
        return connection;
    }

    // The first connect runs on the first caller, so a cold start caches from its first call. Every later
    // probe runs off the callers' path: the caller that claimed it runs uncached like the others, so a server
    // that is still hung or blackholed costs no caller a timeout.
    private bool ProbedInBackground()
    {
        if (Interlocked.Exchange(ref _firstProbeClaimed, 1) == 0)
        {
            return false;
        }
        StartProbe();
        return true;
    }

    /// <summary>
    /// Starts a probe now if one is due (never connected, or the backoff is over), so a store nobody has called yet
    /// connects; returns whether one is in flight. For the health check.
    /// </summary>
    internal bool EnsureProbing()
    {
        if (_gate.Admit() == Admission.Probe)
        {
            Interlocked.Exchange(ref _firstProbeClaimed, 1);
            StartProbe();
        }
        return _gate.Status == RedisStatus.Probing;
    }

    // A thread of its own, used synchronously: a failed connect disposes its client inside the library,
    // which can block for most of a second, and on a thread-pool thread that stalls every caller.
    private void StartProbe() =>
        _ = Task.Factory.StartNew(Probe, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Probe()
    {
        IConnectionMultiplexer? connection = Volatile.Read(ref _connection) ?? Connect(Admission.Probe, () => ConnectionMultiplexer.Connect(_configuration));
        if (connection is null || !ReplayedBeforeProbe(connection, Admission.Probe))
        {
            return;
        }
        try
        {
            connection.GetDatabase().Ping();
        }
        catch (Exception ex)
        {
            OnFailure(connection, Admission.Probe, ex, null, default);
            return;
        }
        OnSuccess(Admission.Probe);
    }

    // The write re-fetches the connection instead of reusing the read's: if the read (or any other call)
    // tripped the gate meanwhile, there is none, and nothing is written to a connection known dead.
    private IConnectionMultiplexer? ConnectionForWrite() =>
        _gate.Status == RedisStatus.Available ? Volatile.Read(ref _connection) : null;

    private void OnSuccess(Admission admission)
    {
        MarkSuccess();
        if (admission == Admission.Probe)
        {
            _local?.Clear(); // evictions sent while this instance was cut off were missed
            _gate.ProbeSucceeded();
            Interlocked.Exchange(ref _reportedDown, 0);
            RedisCacheLog.Available(_logger);
            if (!_pending.IsEmpty && Volatile.Read(ref _connection) is { } connection)
            {
                // Invalidations that arrived while the probe was in flight.
                _ = ReplayAsync(connection, Admission.Use);
            }
        }
    }

    // Invalidations that could not reach Redis are deleted by the probe before it reads, and so before the
    // gate opens: no caller of this process reads an entry it invalidated. If that fails, the gate stays closed.
    private bool ReplayedBeforeProbe(IConnectionMultiplexer connection, Admission admission) =>
        admission != Admission.Probe || _pending.IsEmpty || ReplayAsync(connection, admission).GetAwaiter().GetResult();

    private ValueTask<bool> ReplayedBeforeProbeAsync(IConnectionMultiplexer connection, Admission admission) =>
        admission != Admission.Probe || _pending.IsEmpty ? new ValueTask<bool>(true) : new ValueTask<bool>(ReplayAsync(connection, admission));

    private async Task<bool> ReplayAsync(IConnectionMultiplexer connection, Admission admission)
    {
        string[] keys = _pending.TakeAll();
        try
        {
            IDatabase database = connection.GetDatabase();
            await Task.WhenAll(keys.Select(key => database.KeyDeleteAsync(key))).ConfigureAwait(false);
            RedisCacheLog.InvalidationsReplayed(_logger, keys.Length);
            foreach (string key in keys)
            {
                Announce(connection, key);
            }
            return true;
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex))
        {
            _pending.Restore(keys);
            OnFailure(connection, admission, ex, null, default);
            return false;
        }
        catch (Exception ex)
        {
            // Redis refused the DEL (an ACL without it, say): retrying cannot help, so it is logged, not kept.
            RedisCacheLog.ServerError(_logger, "(invalidation)", keys.Length.ToString(CultureInfo.InvariantCulture) + " keys", ex);
            return true;
        }
    }

    private void Delete(string redisKey)
    {
        _local?.Evict(redisKey);
        IConnectionMultiplexer? connection = ConnectionForWrite();
        if (connection is null)
        {
            Remember(redisKey);
            return;
        }
        using Activity? activity = CacheActivities.Start("invalidate", null);
        try
        {
            connection.GetDatabase().KeyDelete(redisKey);
            MarkSuccess();
            Announce(connection, redisKey);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnInvalidationFailure(connection, redisKey, ex);
        }
    }

    private async ValueTask DeleteAsync(string redisKey)
    {
        _local?.Evict(redisKey);
        IConnectionMultiplexer? connection = ConnectionForWrite();
        if (connection is null)
        {
            Remember(redisKey);
            return;
        }
        using Activity? activity = CacheActivities.Start("invalidate", null);
        try
        {
            await connection.GetDatabase().KeyDeleteAsync(redisKey).ConfigureAwait(false);
            MarkSuccess();
            Announce(connection, redisKey);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnInvalidationFailure(connection, redisKey, ex);
        }
    }

    private void OnInvalidationFailure(IConnectionMultiplexer connection, string redisKey, Exception ex)
    {
        if (RedisFaults.IsConnectionFault(ex))
        {
            Remember(redisKey);
        }
        OnFailure(connection, Admission.Use, ex, "(invalidation)", default);
    }

    private void Remember(string redisKey)
    {
        if (!_pending.Add(redisKey))
        {
            RedisCacheLog.InvalidationsDropped(_logger, PendingInvalidationCapacity);
        }
        // A process that only invalidates never reads, so no read would probe: claim the probe when it is due.
        if (_gate.Admit() == Admission.Probe)
        {
            Interlocked.Exchange(ref _firstProbeClaimed, 1);
            StartProbe();
        }
    }

    private void MarkSuccess() => Volatile.Write(ref _lastSuccess, _clock.NowMilliseconds);

    private void OnFailure(IConnectionMultiplexer? connection, Admission admission, Exception ex, string? method, UInt128 key)
    {
        CacheMetrics.Error(RedisFaults.IsConnectionFault(ex) ? "connection" : "server");
        if (!RedisFaults.IsConnectionFault(ex))
        {
            // Redis answered (WRONGTYPE, OOM, ...): the link is fine, so this is a miss, not a reason to back off.
            RedisCacheLog.ServerError(_logger, method ?? "(connect)", key.ToString("x32", CultureInfo.InvariantCulture), ex);
            if (admission == Admission.Probe)
            {
                OnSuccess(admission);
            }
            return;
        }
        // A fault seen on a connection that was already replaced is old news; only the current one trips the gate.
        if (connection is not null && Interlocked.CompareExchange(ref _connection, null, connection) != connection && admission != Admission.Probe)
        {
            return;
        }
        Retire(connection);
        _gate.Close();
        if (Interlocked.Exchange(ref _reportedDown, 1) == 0)
        {
            RedisCacheLog.Unavailable(_logger, ex.GetType().Name, _backoff, ex);
        }
        else
        {
            RedisCacheLog.ProbeFailed(_logger, ex.GetType().Name, _backoff);
        }
    }

    private void OnHealthCheckTimer()
    {
        IConnectionMultiplexer? connection = Volatile.Read(ref _connection);
        if (connection is null || _gate.Status != RedisStatus.Available ||
            _clock.NowMilliseconds - Volatile.Read(ref _lastSuccess) < _healthCheckMilliseconds)
        {
            return;
        }
        _ = PingAsync(connection);
    }

    private async Task PingAsync(IConnectionMultiplexer connection)
    {
        try
        {
            await connection.GetDatabase().PingAsync().ConfigureAwait(false);
            MarkSuccess();
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex))
        {
            OnFailure(connection, Admission.Use, ex, null, default);
        }
        catch (RedisException)
        {
            // The server answered the PING with an error: the link is alive.
        }
    }

    // Disposal waits out in-flight calls (one operation timeout) and runs on the real clock: it frees
    // sockets, and must happen even under a test clock. The client's maintainers warn against disposing
    // a multiplexer under callers still using it. Dispose can block for most of a second on a broken
    // link, so it too runs on a thread of its own.
    private void Retire(IConnectionMultiplexer? connection)
    {
        if (connection is null)
        {
            return;
        }
        RedisCacheLog.ConnectionReset(_logger);
        if (connection == _external)
        {
            return; // the application owns it; the next probe simply uses it again
        }
        _ = Task.Delay(_disposeGrace).ContinueWith(
            static (_, state) => ((IConnectionMultiplexer)state!).Dispose(), connection, CancellationToken.None,
            TaskContinuationOptions.LongRunning, TaskScheduler.Default);
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

    private void Announce(IConnectionMultiplexer connection, string redisKey)
    {
        if (_local is { } local)
        {
            connection.GetSubscriber().Publish(local.Channel, local.Message(redisKey), CommandFlags.FireAndForget);
        }
    }

    // Each new connection subscribes again; the client itself resubscribes after its own reconnects.
    private void Subscribe(IConnectionMultiplexer connection, LocalCacheLayer local)
    {
        try
        {
            connection.GetSubscriber().Subscribe(local.Channel, (_, message) => local.OnMessage(message));
        }
        catch (Exception ex)
        {
            RedisCacheLog.ServerError(_logger, "(subscribe)", local.Channel.ToString(), ex);
        }
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
