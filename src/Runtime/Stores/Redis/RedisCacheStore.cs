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
/// The parts: <see cref="RedisConnection"/> (connect, gate, probe, health check, reset, replay), <see cref="RedisCommands"/>
/// (every command's span, fault and outcome), <see cref="EntryCodec"/> (payload framing), <see cref="RedisKeys"/> (key
/// names), <see cref="FleetLease"/> (single flight across instances), <see cref="EvictionChannel"/> (the local layer's
/// coherence) and two in-process layers, the local layer and the outage layer. This type reads, writes and deletes
/// entries, and chooses the layer a call uses (it subscribes to the gate's changes).
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
    private readonly TimeSpan _outageCap; // InfiniteTimeSpan: each method's TTL
    private readonly RedisCommands _commands;
    private readonly FleetLease _lease;
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
        _writeWait = options.OperationTimeout + TimeSpan.FromSeconds(1);
        _localTtl = options.LocalCache?.Ttl;
        // Each layer is a table of its own, within its own limits.
        if (options.LocalCache is { } local)
        {
            _local = new InProcessEntries(local.Limits, options.TimeProvider, options.Logger,
                Invalidations);
            _evictions = new EvictionChannel(Keys.Prefix, EvictHere, EvictTagHere);
        }
        _outageCap = options.OutageCache.Ttl;
        if (options.OutageCache.Enabled)
        {
            OutageCacheOptions outage = options.OutageCache;
            _outage = new InProcessEntries(outage.Limits, options.TimeProvider, options.Logger,
                Invalidations, outageLayer: true);
        }
        InProcess = _local;
        _connection = new RedisConnection(options, configuration, _evictions, OnStatusChanging, DropLocal, OnReopened);
        _commands = new RedisCommands(_connection);
        _lease = new FleetLease(_connection, _commands, Keys, options.LeaseTime, options.TimeProvider, options.Logger);
        // Last: the gate gauge reads Status from any thread (a metrics scrape), so the store must be whole when it is seen.
        CacheMetrics.Track(this, Keys.Prefix);
    }

    /// <summary>Whether calls use Redis now, are served in process, or the store is connecting or probing.</summary>
    public RedisStatus Status => _connection.Status;

    /// <summary>
    /// On Redis Cluster, how many masters failed and have not answered a probe since: their keys are served in process
    /// while <see cref="Status"/> stays <see cref="RedisStatus.Available"/> for the others. Zero otherwise.
    /// </summary>
    public int UnavailableNodes => _connection.UnavailableNodes;

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
    internal override async ValueTask<CacheLookup<T>> ReadAsync<T>(MethodDescription<T> method, CacheKey key, bool sync, bool refreshing = false)
    {
        IConnectionMultiplexer? connection;
        InProcessStamp stamp;
        CacheLookup<T> inProcess;
        while (true)
        {
            // Counted before admission: the outage layer is emptied once calls are admitted again, so a call kept in
            // process that misses it after a clear lost its key's value to the reopening, and asks Redis instead.
            long outageClears = Invalidations.OutageClears;
            connection = await _connection.AdmitAsync(sync).ConfigureAwait(false);
            if (_connection.AnyNodeClosed)
            {
                connection = AdmitNodes(connection, method, key);
            }
            stamp = Stamp(_local, key);
            inProcess = _local?.Get<T>(key) ?? CacheLookup<T>.Miss(default);
            if (refreshing && inProcess.Found)
            {
                inProcess = CacheLookup<T>.Miss(stamp.Versions); // a refresh asks Redis whether another instance refreshed already
            }
            if (connection is not null)
            {
                break;
            }
            CacheLookup<T> served = ServedInProcess(key, inProcess, refreshing);
            if (served.Found || Invalidations.OutageClears == outageClears)
            {
                CacheMetrics.Bypass(method.Name);
                return served;
            }
        }
        if (inProcess.Found)
        {
            return inProcess;
        }
        // Untagged (the hot path), the client's own task is awaited directly: a Redis hit adds no async level of its own.
        // The reply is read from the client's pooled lease, decoded in place, and the lease returned: no copy of a large value.
        StrongBox<TagVersions>? versions = key.Tags.Count == 0 ? null : new();
        string redisKey = Keys.Entry(method.KeyPrefix, key.Hash);
        (RedisOutcome outcome, Lease<byte>? lease) = await _commands.RunAsync(connection, "get", method.Name, key.Hash, redisKey,
            (TagVersions: _tagVersions, RedisKey: redisKey, key.Tags, Versions: versions),
            static (database, s, sync) => s.Versions is not null ? s.TagVersions.ReadWithEntryAsync(database, s.RedisKey, s.Tags, s.Versions)
                : sync ? new ValueTask<Lease<byte>?>(database.StringGetLease(s.RedisKey))
                : new ValueTask<Lease<byte>?>(database.StringGetLeaseAsync(s.RedisKey)), sync).ConfigureAwait(false);
        if (outcome == RedisOutcome.Unreachable)
        {
            // The gate just closed: a call whose read failed with this one may have kept its result already.
            return ServedInProcess(key, inProcess, refreshing);
        }
        using (lease)
        {
            CacheLookup<T> lookup = _codec.Decode(method, key.Hash, lease?.Memory, versions?.Value ?? default, out int jsonBytes, out TimeSpan freshFor)
                .With(stamp, reachedRedis: true);
            KeepLocally(method, key, stamp, lookup, jsonBytes, freshFor);
            return refreshing && lookup.RefreshDue ? CacheLookup<T>.Miss(versions?.Value ?? default).With(stamp, reachedRedis: true) : lookup;
        }
    }

    // Served in process: the local layer's value, else the outage layer's (the local layer keeps no fail-safe values, so
    // the outage layer's read stands whole); a result computed now is kept there.
    private CacheLookup<T> ServedInProcess<T>(CacheKey key, CacheLookup<T> local, bool refreshing)
    {
        InProcessStamp outageStamp = Stamp(_outage, key);
        CacheLookup<T> read = local;
        if (!read.Found && _outage is { } outage)
        {
            read = outage.Get<T>(key);
            if (refreshing && read.RefreshDue)
            {
                read = CacheLookup<T>.Miss(outageStamp.Versions);
            }
        }
        return read.With(outageStamp, reachedRedis: false);
    }

    // A batch's untagged keys: the local layer first, then one MGET for the rest (one per hash slot on a cluster, so no
    // command spans slots). Tagged keys, and any read while a gate is closed, go one by one as a single call's would.
    internal override async ValueTask ReadManyAsync<T>(MethodDescription<T> method, IReadOnlyList<CacheKey> keys, CacheLookup<T>[] reads, bool sync)
    {
        IConnectionMultiplexer? connection = await _connection.AdmitAsync(sync).ConfigureAwait(false);
        if (connection is null || _connection.AnyNodeClosed || keys.Any(k => k.Tags.Count > 0))
        {
            await base.ReadManyAsync(method, keys, reads, sync).ConfigureAwait(false);
            return;
        }
        var stamps = new InProcessStamp[keys.Count];
        var fromRedis = new List<int>(keys.Count);
        for (int n = 0; n < keys.Count; n++)
        {
            stamps[n] = Stamp(_local, keys[n]);
            reads[n] = _local?.Get<T>(keys[n]) ?? CacheLookup<T>.Miss(default);
            if (!reads[n].Found)
            {
                fromRedis.Add(n);
            }
        }
        bool cluster = connection.GetServers().Any(s => s.ServerType == ServerType.Cluster);
        var commands = fromRedis.GroupBy(n => cluster ? connection.HashSlot(Keys.Entry(method.KeyPrefix, keys[n].Hash)) : 0)
            .Select(slot =>
            {
                RedisKey[] redisKeys = [.. slot.Select(n => (RedisKey)Keys.Entry(method.KeyPrefix, keys[n].Hash))];
                return (Indexes: slot.ToArray(), Reply: _commands.RunAsync(connection, "mget", method.Name, default(UInt128), redisKeys[0], redisKeys,
                    static (database, k, sync) => sync ? new ValueTask<RedisValue[]>(database.StringGet(k)) : new ValueTask<RedisValue[]>(database.StringGetAsync(k)), sync));
            })
            .ToList(); // every MGET sent before any reply is awaited
        foreach ((int[] indexes, ValueTask<(RedisOutcome Outcome, RedisValue[] Values)> reply) in commands)
        {
            (RedisOutcome outcome, RedisValue[]? values) = await reply.ConfigureAwait(false);
            for (int i = 0; i < indexes.Length; i++)
            {
                int n = indexes[i];
                if (outcome == RedisOutcome.Unreachable)
                {
                    reads[n] = ServedInProcess(keys[n], reads[n], refreshing: false); // the gate just closed: kept in process
                    continue;
                }
                ReadOnlyMemory<byte>? payload = values is not null && !values[i].IsNull ? (byte[])values[i]! : null;
                CacheLookup<T> lookup = _codec.Decode(method, keys[n].Hash, payload, default, out int jsonBytes, out TimeSpan freshFor).With(stamps[n], reachedRedis: true);
                KeepLocally(method, keys[n], stamps[n], lookup, jsonBytes, freshFor);
                reads[n] = lookup;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal override async ValueTask WriteAsync<T>(MethodDescription<T> method, CacheKey key, CacheLookup<T> read, T value, TimeSpan ttl, bool sync)
    {
        if (!read.ReachedRedis)
        {
            // Computed while Redis (or the key's cluster node) was unavailable: kept in process only, dropped when it
            // returns. A probe in flight does not stop it: the first call of a key during a long probe would otherwise
            // run ...Core on every call until the probe ends.
            if (KeptFromRedis(method, key))
            {
                KeepForOutage(method, key, read, value, ttl);
            }
            return;
        }
        // Re-fetched, not the read's: if any call closed the gate meanwhile there is none, and nothing goes to a dead link.
        string redisKey = Keys.Entry(method.KeyPrefix, key.Hash);
        if (_connection.ForWrite(redisKey) is not { } connection)
        {
            // The gate closed since the read: kept as an outage result, so the next call does not run ...Core again. Not
            // a tagged value: its read's tag versions were the local layer's, not the outage layer's.
            if (key.Tags.Count == 0 && KeptFromRedis(method, key))
            {
                KeepForOutage(method, key, read, value, ttl);
            }
            return;
        }
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
                local.Set(method, key, read.Local, value, Shorter(ttl, _localTtl!.Value), TimeSpan.Zero, EntrySize.OfJson(jsonBytes), method.RefreshIn(ttl));
            }
            (RedisOutcome outcome, _) = await _commands.RunAsync(connection, "set", method.Name, key.Hash, redisKey, (redisKey, Payload: (RedisValue)payload.Memory, Expiry: ttl + method.FailSafe),
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
            else if (outcome == RedisOutcome.Unreachable && key.Tags.Count == 0 && KeptFromRedis(method, key))
            {
                KeepForOutage(method, key, read, value, ttl); // this write closed the gate: the next call finds the value here
            }
        }
        finally
        {
            Invalidations.EndWrite(key.Hash);
        }
    }

    internal override ValueTask<FleetClaim<T>> ClaimAsync<T>(MethodDescription<T> method, CacheKey key, bool sync, CancellationToken cancellationToken,
        bool refreshing = false, bool wait = true) => _lease.ClaimAsync(this, method, key, sync, cancellationToken, refreshing, wait);

    internal override ValueTask ReleaseAsync<T>(MethodDescription<T> method, FleetClaim<T> claim, bool sync) => _lease.ReleaseAsync(method, claim, sync);

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

    // A value read from Redis enters the local layer for no longer than the entry has left in Redis, where the entry
    // says (a TTL chosen by the result may be short), and is due for refresh when the entry is.
    private void KeepLocally<T>(MethodDescription<T> method, CacheKey key, InProcessStamp stamp, CacheLookup<T> lookup, int jsonBytes, TimeSpan freshFor)
    {
        if (lookup.Found && _local is { } local)
        {
            TimeSpan ttl = Shorter(freshFor == TimeSpan.MaxValue ? method.Ttl : freshFor, _localTtl!.Value);
            local.Set(method, key, stamp, lookup.Value, ttl, TimeSpan.Zero, EntrySize.OfJson(jsonBytes), lookup.RefreshIn);
        }
    }

    // An outage result lives the method's TTL (or the configured cap), then its fail-safe window.
    private void KeepForOutage<T>(MethodDescription<T> method, CacheKey key, CacheLookup<T> read, T value, TimeSpan ttl)
    {
        TimeSpan kept = _outageCap == Timeout.InfiniteTimeSpan ? ttl : Shorter(ttl, _outageCap);
        _outage?.Set(method, key, read.Local, value, kept, method.FailSafe, EntrySize.Of(value, method.Json), method.RefreshIn(kept));
    }

    // A cluster master is failing: the key may use Redis only if its entry's node and its tags' nodes are all open (a
    // tagged read touches each). A node whose backoff is over has its probe started here.
    private IConnectionMultiplexer? AdmitNodes<T>(IConnectionMultiplexer? connection, MethodDescription<T> method, CacheKey key)
    {
        connection = _connection.AdmitKey(connection, Keys.Entry(method.KeyPrefix, key.Hash));
        for (int i = 0; i < key.Tags.Count; i++)
        {
            connection = _connection.AdmitKey(connection, Keys.Tag(key.Tags[i]));
        }
        return connection;
    }

    // Whether a result computed in process goes to the outage layer: the gate that kept the key from Redis (the store's,
    // or the gate of a cluster node holding its entry or one of its tags) is still closed.
    private bool KeptFromRedis<T>(MethodDescription<T> method, CacheKey key)
    {
        if (_connection.KeepsOutage(Keys.Entry(method.KeyPrefix, key.Hash)))
        {
            return true;
        }
        for (int i = 0; i < key.Tags.Count && _connection.AnyNodeClosed; i++)
        {
            if (_connection.KeepsOutage(Keys.Tag(key.Tags[i])))
            {
                return true;
            }
        }
        return false;
    }

    private InProcessStamp Stamp(InProcessEntries? table, CacheKey key) => table?.Stamp(key) ?? new InProcessStamp(default, Invalidations.Stamp(key.Hash));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DeleteAsync(string redisKey, bool sync)
    {
        IConnectionMultiplexer? connection = _connection.ForWrite(redisKey);
        RedisOutcome outcome = connection is null ? RedisOutcome.Unreachable : (await _commands.RunAsync(connection, "invalidate", null, default, redisKey, redisKey,
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

    // The store's gate, before calls see the change (see RedisGate.Changing). Redis down: every call reads the outage
    // layer first (or the local layer, when the outage layer is off). Redis back: the local layer goes first, since
    // invalidations sent meanwhile were missed, so calls admitted to Redis never meet it.
    private void OnStatusChanging(GateChange change)
    {
        if (!change.SwitchesLayers)
        {
            return;
        }
        if (change.After == RedisStatus.Available)
        {
            DropLocal();
            InProcess = _local;
        }
        else
        {
            InProcess = _outage ?? _local;
        }
    }

    // Redis, or a cluster node, is about to be used again: no value read before enters the local layer after.
    private void DropLocal()
    {
        Invalidations.Clear();
        _local?.Clear();
    }

    // Calls are admitted again: outage results must not outlive the outage, so the outage layer goes, unless another
    // node's keys still use it. Only now: a call admitted in process just before still finds its key's value there (one
    // that misses it asks Redis again, see ReadAsync), and a key whose ...Core ran during the outage runs it once.
    private void OnReopened(bool othersClosed)
    {
        if (!othersClosed)
        {
            Invalidations.ClearOutage();
            _outage?.Clear();
        }
    }

    private static TimeSpan Shorter(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
