using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Caches results in Redis through one long-lived StackExchange.Redis connection, behind a backoff gate. A Redis fault
/// never reaches the caller: it costs at most one operation timeout and closes the gate for
/// <see cref="RedisCacheStoreOptions.Backoff"/>; meanwhile calls touch no network and results are kept in process
/// (<see cref="RedisCacheStoreOptions.OutageCache"/>), still under single flight. A background probe reopens the gate.
/// </summary>
/// <remarks>
/// The parts: <see cref="RedisConnection"/> (connect, gate, probe, health check, reset, replay), <see cref="EntryCodec"/>
/// (payload framing), <see cref="RedisKeys"/> (key names), <see cref="EvictionChannel"/> (the local layer's coherence)
/// and two in-process layers, the local layer and the outage layer. This type reads, writes and deletes entries,
/// chooses the layer a call uses (it subscribes to the gate's changes), and holds the lease protocol of single flight
/// across instances, which reads entries as it waits.
/// </remarks>
public sealed class RedisCacheStore : CacheStore, IDisposable
{
    private readonly ILogger _logger;
    private readonly EntryCodec _codec;
    private readonly RedisTagVersions _tagVersions;
    private readonly RedisConnection _connection;
    private readonly InProcessEntries? _local;     // the local layer, in front of Redis; null when off
    private readonly InProcessEntries? _outage;    // results computed while Redis is unavailable; null when off
    private readonly EvictionChannel? _evictions;  // with a local layer only
    private readonly TimeSpan? _localTtl;
    private readonly TimeSpan? _outageTtl;
    private readonly TimeProvider _time;
    private readonly TimeSpan _leaseTime;
    private readonly TimeSpan _writeWait;

    /// <summary>Connects to Redis with a StackExchange.Redis connection string and the default settings.</summary>
    /// <exception cref="ArgumentException">The connection string is not valid.</exception>
    public RedisCacheStore(string configuration)
        : this(new RedisCacheStoreOptions { Configuration = configuration })
    {
    }

    /// <summary>Creates the store and starts its first connect in the background; a first call waits for it, at most the connect timeout.</summary>
    /// <exception cref="ArgumentException">A setting is not valid; the message names it.</exception>
    public RedisCacheStore(RedisCacheStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConfigurationOptions configuration = options.Validate();
        Keys = new RedisKeys(options.KeyPrefix);
        _logger = options.Logger;
        _codec = new EntryCodec(options.TimeProvider, options.Logger, options.CompressAbove, options.MaxEntryBytes);
        _tagVersions = new RedisTagVersions(Keys, options.TagRetention, options.Logger);
        _time = options.TimeProvider;
        _leaseTime = options.LeaseTime;
        _writeWait = options.OperationTimeout + TimeSpan.FromSeconds(1);
        _localTtl = options.LocalCache?.Ttl;
        _outageTtl = options.OutageCache.Enabled ? options.OutageCache.Ttl : null;
        // Each layer is a table of its own, within its own limits.
        if (options.LocalCache is { } local)
        {
            _local = new InProcessEntries(local.Limits, options.TimeProvider, options.Logger,
                Invalidations);
            _evictions = new EvictionChannel(Keys.Prefix, EvictHere, EvictTagHere);
        }
        if (_outageTtl is not null)
        {
            OutageCacheOptions outage = options.OutageCache;
            _outage = new InProcessEntries(outage.Limits, options.TimeProvider, options.Logger,
                Invalidations);
        }
        InProcess = _local;
        _connection = new RedisConnection(options, configuration, _evictions, OnStatusChanged);
        // Last: the gate gauge reads Status from any thread (a metrics scrape), so the store must be whole when it is seen.
        CacheMetrics.Track(this, Keys.Prefix);
    }

    /// <summary>Whether calls use Redis now, are served in process, or the store is connecting or probing.</summary>
    public RedisStatus Status => _connection.Status;

    internal override ILogger Logger => _logger;

    /// <summary>Entries held in process (local layer and outage layer); for tests.</summary>
    internal int InProcessCount => (_local?.Count ?? 0) + (_outage?.Count ?? 0);

    /// <summary>Entries held by the local layer alone; for tests.</summary>
    internal int LocalCount => _local?.Count ?? 0;

    /// <summary>Invalidations and clears applied here, received ones included; for tests.</summary>
    internal long InProcessRemovals => Invalidations.All;

    /// <summary>Starts a probe now if one is due; returns whether a connect or probe is in flight. For the health check.</summary>
    internal bool EnsureProbing()
    {
        _connection.ProbeIfDue();
        return Status is RedisStatus.Probing or RedisStatus.Connecting;
    }

    /// <summary>
    /// Drops the current connection (disposed after in-flight calls had their timeout) and lets the next call probe
    /// afresh. For tests and operators; faults reset the connection by themselves.
    /// </summary>
    public void ResetConnection() => _connection.Reset();

    /// <summary>How this store names its keys.</summary>
    internal RedisKeys Keys { get; }

    /// <summary>Stops the health check and closes the connection.</summary>
    public void Dispose()
    {
        CacheMetrics.Untrack(this);
        _connection.Dispose();
    }

    // Admission first, then the in-process layers (stamped first, so a later keep sees any invalidation since), then Redis.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal override async ValueTask<CacheLookup<T>> ReadAsync<T>(MethodDescription<T> method, CacheKey key, bool sync)
    {
        IConnectionMultiplexer? connection = await _connection.AdmitAsync(sync).ConfigureAwait(false);
        InProcessStamp stamp = Stamp(_local, key);
        CacheLookup<T> inProcess = _local?.Get<T>(key) ?? CacheLookup<T>.Miss(default);
        if (connection is null)
        {
            CacheMetrics.Bypass(method.Name);
            // Served in process: the local layer's value, else the outage layer's (the local layer keeps no fail-safe
            // values, so the outage layer's read stands whole); a result computed now is kept there.
            InProcessStamp outageStamp = Stamp(_outage, key);
            if (!inProcess.Found && _outage is { } outage)
            {
                inProcess = outage.Get<T>(key);
            }
            return inProcess.With(outageStamp, reachedRedis: false);
        }
        if (inProcess.Found)
        {
            return inProcess;
        }
        // Untagged (the hot path), the client's own task is awaited directly: a Redis hit adds no async level of its own.
        // The reply is read from the client's pooled lease, decoded in place, and the lease returned: no copy of a large value.
        StrongBox<TagVersions>? versions = key.Tags.Count == 0 ? null : new();
        (RedisOutcome outcome, Lease<byte>? lease) = await RunAsync(connection, "get", method.Name, key.Hash,
            (TagVersions: _tagVersions, RedisKey: Keys.Entry(method.KeyPrefix, key.Hash), key.Tags, Versions: versions),
            static (database, s, sync) => s.Versions is not null ? s.TagVersions.ReadWithEntryAsync(database, s.RedisKey, s.Tags, s.Versions)
                : sync ? new ValueTask<Lease<byte>?>(database.StringGetLease(s.RedisKey))
                : new ValueTask<Lease<byte>?>(database.StringGetLeaseAsync(s.RedisKey)), sync).ConfigureAwait(false);
        if (outcome == RedisOutcome.Unreachable)
        {
            return inProcess.With(stamp, reachedRedis: false); // the gate just closed: the result is kept in process
        }
        using (lease)
        {
            CacheLookup<T> lookup = _codec.Decode(method, key.Hash, lease?.Memory, versions?.Value ?? default, out int jsonBytes).With(stamp, reachedRedis: true);
            if (lookup.Found && _local is { } local)
            {
                local.Set(method, key, stamp, lookup.Value, Shorter(method.Ttl, _localTtl!.Value), TimeSpan.Zero, EntrySize.OfJson(jsonBytes));
            }
            return lookup;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal override async ValueTask WriteAsync<T>(MethodDescription<T> method, CacheKey key, CacheLookup<T> read, T value, bool sync)
    {
        if (!read.ReachedRedis)
        {
            // Computed while Redis was unavailable: kept in process only, and dropped when Redis returns.
            // Not while a probe is in flight: a success drops these entries before the gate opens, and one kept after that would outlive the outage.
            if (_outage is { } outage && _connection.Status == RedisStatus.Unavailable)
            {
                outage.Set(method, key, read.Local, value, Shorter(method.NextTtl(), _outageTtl!.Value), method.FailSafe, EntrySize.Estimate(value, method.Json));
            }
            return;
        }
        // Re-fetched, not the read's: if any call closed the gate meanwhile there is none, and nothing goes to a dead link.
        if (_connection.ForWrite is not { } connection)
        {
            return;
        }
        TimeSpan ttl = method.NextTtl();
        if (!key.CanStoreUnder(read.Versions) || !_codec.TryEncode(method, value, read.Versions, ttl, out RentedBytes payload, out int jsonBytes))
        {
            return;
        }
        // A value read before an invalidation of its key is not stored; one whose write began first is waited for by
        // the invalidation, which deletes again (RemoveEntryAsync).
        if (!Invalidations.TryBeginWrite(key.Hash, read.Local.Invalidations))
        {
            payload.Return();
            return;
        }
        try
        {
            if (_local is { } local && key.Tags.Count == 0)
            {
                // A tagged value enters the local layer on its next read from Redis, as the layer always did.
                local.Set(method, key, read.Local, value, Shorter(method.Ttl, _localTtl!.Value), TimeSpan.Zero, EntrySize.OfJson(jsonBytes));
            }
            string redisKey = Keys.Entry(method.KeyPrefix, key.Hash);
            (RedisOutcome outcome, _) = await RunAsync(connection, "set", method.Name, key.Hash, (redisKey, Payload: (RedisValue)payload.Memory, Expiry: ttl + method.FailSafe),
                static (database, s, sync) => sync
                    ? new ValueTask<bool>(database.StringSet(s.redisKey, s.Payload, s.Expiry))
                    : new ValueTask<bool>(database.StringSetAsync(s.redisKey, s.Payload, s.Expiry)), sync).ConfigureAwait(false);
            if (outcome != RedisOutcome.Unreachable)
            {
                // Once Redis has answered, with the value or an error: a command that timed out may still be written from these bytes later.
                payload.Return();
            }
            if (outcome == RedisOutcome.Done)
            {
                _evictions?.Announce(connection, redisKey);
            }
        }
        finally
        {
            Invalidations.EndWrite(key.Hash);
        }
    }

    // The lease is one key beside the entry, taken with SET NX PX and given back only by its holder's token: a single
    // key per command, so it works on a cluster. Waiting is a bounded backoff of reads, not a subscription: nothing is
    // kept per key between polls, a lost message cannot strand a waiter, and a waiting instance makes at most
    // two round trips per poll (its in-process callers share its wait). Any Redis fault ends the wait: compute here.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal override async ValueTask<FleetClaim<T>> ClaimAsync<T>(MethodDescription<T> method, CacheKey key, bool sync, CancellationToken cancellationToken)
    {
        string leaseKey = Keys.Lease(method.KeyPrefix, key.Hash);
        string token = Guid.NewGuid().ToString("N");
        long started = _time.GetTimestamp();
        RedisValue holder = RedisValue.Null;
        TimeSpan pause = FirstPoll;
        bool cleared = false;
        // Waited: this instance slept on another's lease at least once; a lease taken after that is a takeover.
        for (bool waited = false; ; )
        {
            if (_connection.ForWrite is not { } connection)
            {
                return FleetClaim<T>.ComputeHere;
            }
            (RedisOutcome outcome, bool taken) = await RunAsync(connection, "lease", method.Name, key.Hash, (leaseKey, token, LeaseTime: _leaseTime),
                static (database, s, sync) => sync
                    ? new ValueTask<bool>(database.LockTake(s.leaseKey, s.token, s.LeaseTime))
                    : new ValueTask<bool>(database.LockTakeAsync(s.leaseKey, s.token, s.LeaseTime)), sync).ConfigureAwait(false);
            if (outcome != RedisOutcome.Done)
            {
                return FleetClaim<T>.ComputeHere;
            }
            if (taken)
            {
                // Another instance may have stored the value and given the lease back since this one's last read: one
                // more read, so a lease taken just after a value was stored never computes it twice.
                CacheLookup<T> stored = await ReadAsync(method, key, sync).ConfigureAwait(false);
                if (stored.Found)
                {
                    await ReleaseAsync(method, FleetClaim<T>.Leader(leaseKey, token), sync).ConfigureAwait(false);
                    CacheMetrics.Lease(method.Name, "follower");
                    return FleetClaim<T>.FromAnotherInstance(stored.Value);
                }
                CacheMetrics.Lease(method.Name, waited ? "takeover" : "leader");
                if (waited)
                {
                    RedisCacheLog.LeaseTakenOver(_logger, method.Name, _time.GetElapsedTime(started));
                }
                return FleetClaim<T>.Leader(leaseKey, token);
            }
            // Each holder gets the whole lease time: when another waiter took over, wait for that one afresh.
            (outcome, RedisValue currentHolder) = await RunAsync(connection, "lease", method.Name, key.Hash, leaseKey,
                static (database, k, sync) => sync ? new ValueTask<RedisValue>(database.LockQuery(k)) : new ValueTask<RedisValue>(database.LockQueryAsync(k)), sync).ConfigureAwait(false);
            if (outcome == RedisOutcome.Unreachable)
            {
                return FleetClaim<T>.ComputeHere;
            }
            if (outcome == RedisOutcome.Refused || !IsToken(currentHolder))
            {
                // Another Redis type, or a value no instance wrote: no holder will ever give it back, so it goes, once.
                if (cleared || !await DeleteForeignLeaseAsync(connection, method.Name, leaseKey, RedisValue.Null, sync).ConfigureAwait(false))
                {
                    return FleetClaim<T>.ComputeHere;
                }
                cleared = true;
                continue;
            }
            if (currentHolder != holder)
            {
                (holder, started) = (currentHolder, _time.GetTimestamp());
            }
            TimeSpan waitedSoFar = _time.GetElapsedTime(started);
            if (waitedSoFar >= _leaseTime)
            {
                CacheMetrics.Lease(method.Name, "takeover");
                RedisCacheLog.LeaseWaitEnded(_logger, method.Name, waitedSoFar);
                // Every lease is set with an expiry: one without has no holder to give it back, and would stall every miss
                // of this key. It goes by its token, so a lease taken by another instance meanwhile stays.
                (outcome, TimeSpan? expiry) = await RunAsync(connection, "lease", method.Name, key.Hash, leaseKey,
                    static (database, k, sync) => sync ? new ValueTask<TimeSpan?>(database.KeyTimeToLive(k)) : new ValueTask<TimeSpan?>(database.KeyTimeToLiveAsync(k)), sync)
                    .ConfigureAwait(false);
                if (outcome == RedisOutcome.Done && expiry is null)
                {
                    await DeleteForeignLeaseAsync(connection, method.Name, leaseKey, holder, sync).ConfigureAwait(false);
                }
                return FleetClaim<T>.ComputeHere; // the holder is alive but slower than the lease: stop waiting
            }
            if (sync)
            {
                Task.Delay(pause, _time, cancellationToken).GetAwaiter().GetResult();
            }
            else
            {
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
            waited = true;
            pause = pause * 2 < LastPoll ? pause * 2 : LastPoll;
            // The holder stores the value, then gives the lease back: the value is looked for before the lease.
            CacheLookup<T> read = await ReadAsync(method, key, sync).ConfigureAwait(false);
            if (read.Found)
            {
                CacheMetrics.Lease(method.Name, "follower");
                return FleetClaim<T>.FromAnotherInstance(read.Value);
            }
            if (!read.ReachedRedis)
            {
                return FleetClaim<T>.ComputeHere;
            }
        }
    }

    internal override async ValueTask ReleaseAsync<T>(MethodDescription<T> method, FleetClaim<T> claim, bool sync)
    {
        if (_connection.ForWrite is { } connection)
        {
            // One script on one key: deleted only while it still holds this holder's token, so a lease that expired and
            // was taken over is never given back by its old holder.
            await RunAsync(connection, "release", method.Name, default, (LeaseKey: (RedisKey)claim.LeaseKey!, Token: (RedisValue)claim.Token!),
                static (database, s, sync) => sync
                    ? new ValueTask<RedisResult>(database.ScriptEvaluate(ReleaseScript, [s.LeaseKey], [s.Token]))
                    : new ValueTask<RedisResult>(database.ScriptEvaluateAsync(ReleaseScript, [s.LeaseKey], [s.Token])), sync).ConfigureAwait(false);
        }
    }

    // Deletes a lease key that is not a lease: by its token (the release script) when it holds one, else with a plain
    // DEL, which removes a key of any Redis type. Returns whether Redis answered.
    private async ValueTask<bool> DeleteForeignLeaseAsync(IConnectionMultiplexer connection, string method, string leaseKey, RedisValue token, bool sync)
    {
        RedisCacheLog.ForeignLease(_logger, leaseKey);
        if (token.IsNull)
        {
            return (await RunAsync(connection, "lease", method, default, leaseKey,
                static (database, k, sync) => sync ? new ValueTask<bool>(database.KeyDelete(k)) : new ValueTask<bool>(database.KeyDeleteAsync(k)), sync)
                .ConfigureAwait(false)).Outcome == RedisOutcome.Done;
        }
        return (await RunAsync(connection, "lease", method, default, (LeaseKey: (RedisKey)leaseKey, Token: token),
            static (database, s, sync) => sync
                ? new ValueTask<RedisResult>(database.ScriptEvaluate(ReleaseScript, [s.LeaseKey], [s.Token]))
                : new ValueTask<RedisResult>(database.ScriptEvaluateAsync(ReleaseScript, [s.LeaseKey], [s.Token])), sync).ConfigureAwait(false)).Outcome == RedisOutcome.Done;
    }

    // Tokens are a Guid's 32 hex digits; no holder at all (the lease was just given back) is not foreign either.
    private static bool IsToken(RedisValue holder) =>
        holder.IsNull || (holder.ToString() is { Length: 32 } text && text.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0);

    // In process before and after the DEL: a read of Redis that overlapped the DEL is never kept, and a write that
    // began before it is waited for and deleted again, so once this returns no caller here gets the old value.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private protected override async ValueTask RemoveEntryAsync<T>(MethodDescription<T> method, UInt128 hash, bool sync)
    {
        EvictHere(hash);
        string redisKey = Keys.Entry(method.KeyPrefix, hash);
        await DeleteAsync(redisKey, sync).ConfigureAwait(false);
        if (Invalidations.HasWriters(hash))
        {
            long started = Stopwatch.GetTimestamp();
            while (Invalidations.HasWriters(hash) && Stopwatch.GetElapsedTime(started) < _writeWait)
            {
                if (sync)
                {
                    Thread.Sleep(1);
                }
                else
                {
                    await Task.Delay(1).ConfigureAwait(false);
                }
            }
            await DeleteAsync(redisKey, sync).ConfigureAwait(false);
        }
        EvictHere(hash);
    }

    // Invalidating a tag deletes its version key: the next read gives the tag a fresh random version, so every entry
    // stored under an older one misses. One DEL, whatever the number of entries, and DEL works when Redis is out of memory.
    // The in-process versions move before and after it, so a value read from Redis across the DEL is not kept.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private protected override async ValueTask RemoveTagAsync(UInt128 tagHash, bool sync)
    {
        EvictTagHere(tagHash);
        await DeleteAsync(Keys.Tag(tagHash), sync).ConfigureAwait(false);
        EvictTagHere(tagHash);
    }

    // An entry's invalidation, here or received from another instance: counted first, so no read before it is kept.
    private void EvictHere(UInt128 hash)
    {
        Invalidations.Entry(hash);
        _local?.Invalidate(hash);
        _outage?.Invalidate(hash);
    }

    private void EvictTagHere(UInt128 tagHash)
    {
        _local?.InvalidateTag(tagHash);
        _outage?.InvalidateTag(tagHash);
        Invalidations.Tag();
    }

    private InProcessStamp Stamp(InProcessEntries? table, CacheKey key) => table?.Stamp(key) ?? new InProcessStamp(default, Invalidations.Stamp(key.Hash));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DeleteAsync(string redisKey, bool sync)
    {
        IConnectionMultiplexer? connection = _connection.ForWrite;
        RedisOutcome outcome = connection is null ? RedisOutcome.Unreachable : (await RunAsync(connection, "invalidate", null, default, redisKey,
            static (database, k, sync) => sync ? new ValueTask<bool>(database.KeyDelete(k)) : new ValueTask<bool>(database.KeyDeleteAsync(k)), sync).ConfigureAwait(false)).Outcome;
        if (outcome == RedisOutcome.Unreachable)
        {
            _connection.Remember(redisKey);
        }
        else if (outcome == RedisOutcome.Done)
        {
            _evictions?.Announce(connection!, redisKey);
        }
    }

    // One wrapper for every Redis command: its span, the classification of a fault, and the outcome to the connection.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(RedisOutcome Outcome, TResult Value)> RunAsync<TState, TResult>(IConnectionMultiplexer connection, string operation,
        string? method, UInt128 key, TState state, Func<IDatabase, TState, bool, ValueTask<TResult>> command, bool sync)
    {
        using Activity? activity = CacheActivities.Start(operation, method);
        try
        {
            TResult value = await command(connection.GetDatabase(), state, sync).ConfigureAwait(false);
            if (activity is not null && operation == "get")
            {
                activity.SetTag("cache.hit", value is not null); // a read's span says whether it found an entry
            }
            _connection.Succeeded();
            return (RedisOutcome.Done, value);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            return (_connection.Failed(connection, ex, method ?? "(" + operation + ")", key), default!);
        }
    }

    // The connection's one signal. Redis down: every call reads the outage layer first (or the local layer, when the
    // outage layer is off). Redis back (raised before the gate opens): both are emptied, since outage results must never
    // outlive the outage and evictions sent meanwhile were missed.
    // Before calls see the change (see RedisGate.Changed): calls reading the in-process layers never meet Redis's
    // answers, and calls admitted to Redis never meet what was kept during the outage.
    private void OnStatusChanged(GateChange change)
    {
        if (!change.SwitchesLayers)
        {
            return;
        }
        if (change.After == RedisStatus.Available)
        {
            Invalidations.Clear();
            _local?.Clear();
            _outage?.Clear();
            InProcess = _local;
        }
        else
        {
            InProcess = _outage ?? _local;
        }
    }

    private static TimeSpan Shorter(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

    // The backoff of a waiting instance: quick at first (a short ...Core), then no more than five reads a second.
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LastPoll = TimeSpan.FromMilliseconds(200);
}
