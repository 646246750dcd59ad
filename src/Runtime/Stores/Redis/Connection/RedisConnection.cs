using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// The Redis connection's life: the first connect (started at creation), the backoff gate, background probes, the idle
/// health check, resets, and the replay of invalidations Redis missed. Admission is one call; Redis becoming available or
/// unavailable is one signal, which the log and the store's in-process layer follow.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly IConnectionMultiplexer? _external;
    private readonly RedisGate _gate;
    private readonly CacheClock _clock;
    private readonly ILogger _logger;
    private readonly TimeSpan _disposeGrace;
    private readonly TimeSpan _firstConnectWait;
    private readonly long _idleMilliseconds;
    private readonly ITimer _healthCheck;
    private readonly ITimer _probeTimer;
    private readonly EvictionChannel? _evictions;
    private readonly PendingInvalidations _pending = new(PendingInvalidations.Capacity);
    private readonly NodeGates _nodes;
    private readonly SentinelWatch? _sentinelWatch;
    private readonly Action _nodeReopening;
    private readonly Action<bool> _reopened;
    private readonly TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnectionMultiplexer? _connection;
    private long _lastSuccess;
    private int _probeAgain; // 1 after Sentinel switched the primary with the gate closed: a failed probe is followed at once
    private int _disposed;

    // The store's in-process layers follow the gates in steps. changing: each change of status, before calls see it (the
    // layers swap, and the local layer goes as Redis comes back). nodeReopening: a cluster node's gate is about to reopen
    // (the local layer goes). reopened: calls are admitted again, to Redis or to the node (true while other nodes stay
    // closed); the outage layer goes only now, so a call admitted in process just before finds its values still there.
    public RedisConnection(RedisCacheStoreOptions options, ConfigurationOptions configuration, EvictionChannel? evictions, Action<GateChange> changing,
        Action nodeReopening, Action<bool> reopened)
    {
        _configuration = configuration;
        _external = options.Connection;
        _gate = new RedisGate(options.TimeProvider, options.FirstBackoff, options.Backoff);
        _nodes = new NodeGates(options.TimeProvider, options.FirstBackoff, options.Backoff, options.KeyPrefix);
        _nodeReopening = nodeReopening;
        _reopened = reopened;
        _clock = new CacheClock(options.TimeProvider);
        _logger = options.Logger;
        _disposeGrace = options.OperationTimeout + TimeSpan.FromSeconds(1);
        _firstConnectWait = options.ConnectTimeout + TimeSpan.FromSeconds(1);
        _evictions = evictions;
        _gate.Changing += changing;
        _gate.Changed += OnGateChanged;
        // The probe after a backoff starts on time even if no call needs Redis: while the outage layer answers every call, none would.
        _probeTimer = options.TimeProvider.CreateTimer(static state => ((RedisConnection)state!).ProbeIfDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        StartProbe(); // the first connect: a cold start then finds it done, or waits for it, never a stampede of connects
        _sentinelWatch = _external is null ? SentinelWatch.For(configuration, OnPrimarySwitched, _logger, _firstConnect.Task) : null;
        // Every half interval, PING a connection that did nothing in the last half: no connection goes a whole interval
        // unverified, so one silently dropped by a NAT or conntrack is found before a request needs it.
        TimeSpan period = options.HealthCheckInterval / 2;
        _idleMilliseconds = (long)period.TotalMilliseconds;
        _healthCheck = options.TimeProvider.CreateTimer(static state => ((RedisConnection)state!).OnHealthCheckTimer(), this, period, period);
    }

    public RedisStatus Status => _gate.Status;

    /// <summary>
    /// The connection a read may use, or null to stay in process. Costs a field read while the gate is open and a clock
    /// read while it is closed; only a store's first connect is waited for.
    /// </summary>
    public ValueTask<IConnectionMultiplexer?> AdmitAsync(bool sync)
    {
        Admission admission = _gate.Admit();
        return admission == Admission.WaitForFirstConnect ? WaitForFirstConnectAsync(sync) : new(Admitted(admission));
    }

    /// <summary>Whether a cluster node's gate is closed: only then does admission look at keys (<see cref="AdmitKey"/>).</summary>
    public bool AnyNodeClosed => _nodes.AnyClosed;

    /// <summary>Cluster masters whose keys are served in process now, while the others use Redis.</summary>
    public int UnavailableNodes => _nodes.ClosedCount;

    /// <summary>
    /// Narrows an admission to one key: null for a key of a cluster node whose gate is closed, and the one probe of that
    /// node started when its backoff is over.
    /// </summary>
    public IConnectionMultiplexer? AdmitKey(IConnectionMultiplexer? connection, RedisKey route)
    {
        if (connection is null || _nodes.For(connection, route) is not { } node)
        {
            return connection;
        }
        Admission admission = node.Gate.Admit();
        if (admission == Admission.Probe)
        {
            StartNodeProbe(node);
        }
        return admission == Admission.Use ? connection : null;
    }

    /// <summary>
    /// The connection a write or delete of <paramref name="route"/> may use, re-fetched: none when the gate (or the
    /// gate of the key's cluster node) closed since the read.
    /// </summary>
    public IConnectionMultiplexer? ForWrite(RedisKey route)
    {
        IConnectionMultiplexer? connection = _gate.Status == RedisStatus.Available ? Volatile.Read(ref _connection) : null;
        return connection is not null && _nodes.For(connection, route) is not null ? null : connection;
    }

    /// <summary>
    /// Whether a result computed in process for <paramref name="route"/> goes to the outage layer: the gate that kept
    /// the key from Redis is closed or probing. (A probe that succeeds clears the in-process stamps, then the layer,
    /// before the gate opens, so a value computed before that is never kept after it.) Not while the first connect is
    /// in flight: no outage has begun.
    /// </summary>
    public bool KeepsOutage(RedisKey route)
    {
        if (_gate.Status is RedisStatus.Unavailable or RedisStatus.Probing)
        {
            return true;
        }
        return Volatile.Read(ref _connection) is { } connection && _nodes.For(connection, route) is not null;
    }

    /// <summary>A command reached Redis: the link is alive, and the health check may stay quiet a while.</summary>
    public void Succeeded() => Volatile.Write(ref _lastSuccess, _clock.NowMilliseconds);

    /// <summary>
    /// Sorts a failed command on <paramref name="route"/>. A fault of the link closes the gate and retires the
    /// connection (on a cluster, the gate of the key's node only, while other masters answer); an error Redis answered
    /// with (WRONGTYPE, OOM) is logged and changes nothing. Returns which it was.
    /// </summary>
    public RedisOutcome Failed(IConnectionMultiplexer connection, Exception ex, string method, UInt128 key, RedisKey route)
    {
        bool answered = RedisFaults.IsUnavailable(ex);
        if (!answered && !RedisFaults.IsConnectionFault(ex))
        {
            CacheMetrics.Error("server");
            RedisCacheLog.ServerError(_logger, method, key.ToString("x32", CultureInfo.InvariantCulture), ex);
            return RedisOutcome.Refused;
        }
        CacheMetrics.Error("connection");
        if (connection == Volatile.Read(ref _connection) && _nodes.TryClose(connection, route, ex, answered, out NodeGate? closed))
        {
            if (closed is not null)
            {
                RedisCacheLog.NodeUnavailable(_logger, closed.ToString(), closed.SlotCount, answered ? ex.Message : ex.GetType().Name, closed.Gate.CurrentBackoff, ex);
            }
            return RedisOutcome.Unreachable;
        }
        // A fault seen on a connection that was already replaced is old news; only the current one trips the gate.
        if (Drop(connection))
        {
            Close(ex);
        }
        return RedisOutcome.Unreachable;
    }

    /// <summary>
    /// An invalidation Redis did not get: deleted by the probe that finds Redis (or the key's cluster node) back, before
    /// the gate opens.
    /// </summary>
    public void Remember(string redisKey)
    {
        PendingInvalidations pending = Volatile.Read(ref _connection) is { } connection && _nodes.For(connection, redisKey) is { } node ? node.Pending : _pending;
        if (pending.AddOrReportFirstDrop(redisKey))
        {
            RedisCacheLog.InvalidationsDropped(_logger, PendingInvalidations.Capacity);
        }
        ProbeIfDue(); // a process that only invalidates makes no read that would claim the probe
    }

    /// <summary>
    /// Starts a probe if one is due, of the connection or of a cluster node: when the backoff ends, and for callers that
    /// make no reads (the health check).
    /// </summary>
    public void ProbeIfDue()
    {
        if (_gate.Admit() == Admission.Probe)
        {
            StartProbe();
        }
        ProbeDueNodes();
    }

    // A failed cluster node whose keys no call asks for is probed all the same.
    private void ProbeDueNodes()
    {
        if (!_nodes.AnyClosed)
        {
            return; // the common case: no lock, no list
        }
        foreach (NodeGate node in _nodes.ClaimDueProbes())
        {
            StartNodeProbe(node);
        }
    }

    // Sentinel named a new primary. A closed gate probes now: with the link to the old primary dropped at the fault, the
    // probe connects afresh and the sentinel names the new one. If that probe fails, or one in flight that was still
    // waiting on the old primary, the next starts at once (once per switch).
    private void OnPrimarySwitched()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }
        Volatile.Write(ref _probeAgain, 1);
        if (_gate.EndBackoff())
        {
            ProbeIfDue();
        }
        if (_gate.Status == RedisStatus.Available)
        {
            Volatile.Write(ref _probeAgain, 0); // open (the client followed the switch), or a probe opened it meanwhile
        }
    }

    /// <summary>Drops the connection (disposed after in-flight calls had their timeout); the next call probes afresh.</summary>
    public void Reset()
    {
        Retire(Interlocked.Exchange(ref _connection, null));
        Close(null, probeAfter: TimeSpan.Zero);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _healthCheck.Dispose();
        _probeTimer.Dispose();
        _sentinelWatch?.Dispose();
        _firstConnect.TrySetResult();
        IConnectionMultiplexer? connection = Interlocked.Exchange(ref _connection, null);
        if (connection != _external)
        {
            connection?.Dispose();
        }
    }

    private IConnectionMultiplexer? Admitted(Admission admission)
    {
        if (admission == Admission.Probe)
        {
            StartProbe();
        }
        return admission == Admission.Use ? Volatile.Read(ref _connection) : null;
    }

    private async ValueTask<IConnectionMultiplexer?> WaitForFirstConnectAsync(bool sync)
    {
        // The connect runs on its own thread, so blocking a sync caller on it cannot starve the thread pool.
        Task connected = _firstConnect.Task;
        if (sync)
        {
            connected.Wait(_firstConnectWait);
        }
        else
        {
            await Task.WhenAny(connected, Task.Delay(_firstConnectWait)).ConfigureAwait(false);
        }
        Admission admission = _gate.Admit();
        return admission == Admission.WaitForFirstConnect ? null : Admitted(admission);
    }

    // A thread of its own, used synchronously: a failed connect disposes its client inside the library, which can block
    // for most of a second, and on a thread-pool thread that stalls every caller. The caller that claimed the probe
    // does not wait for it, so a server that is still hung or blackholed costs no caller a timeout.
    private void StartProbe() =>
        _ = Task.Factory.StartNew(static state => ((RedisConnection)state!).Probe(), this, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // Connect if needed, apply the invalidations Redis missed, PING; open the gate only when all three succeed.
    private void Probe()
    {
        try
        {
            if ((Volatile.Read(ref _connection) ?? Connect()) is { } connection && Replayed(connection) && Pinged(connection))
            {
                Succeeded();
                Open();
                Replayed(connection); // invalidations that arrived while the probe was in flight
            }
        }
        finally
        {
            _firstConnect.TrySetResult();
        }
    }

    // Like the connection's probe, on a thread of its own; the caller that claimed it stays in process.
    private void StartNodeProbe(NodeGate node) =>
        _ = Task.Factory.StartNew(static state => ((Tuple<RedisConnection, NodeGate>)state!).Item1.ProbeNode(((Tuple<RedisConnection, NodeGate>)state).Item2),
            Tuple.Create(this, node), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // Read a key of the node's slots from their master, then apply the invalidations the node's keys missed: both routed
    // by the client to whichever node serves the slots now. If the read fails but the cluster names another master for
    // the slots than the client would use (a failover it has not noticed yet), the client reloads the cluster's layout
    // and the read is tried once more. A fault, or a refusal such as CLUSTERDOWN or TRYAGAIN while the cluster still
    // fails over, keeps the gate closed for its next backoff.
    private void ProbeNode(NodeGate node)
    {
        if (Volatile.Read(ref _connection) is not { } connection)
        {
            return; // the connection itself is down: its probe reconnects, and node gates are dropped with it
        }
        IDatabase database = connection.GetDatabase();
        Exception? fault = ReadFault(database, node.ProbeKey);
        if (fault is not null && NodeGates.ClientLagsBehind(connection, node.ProbeKey))
        {
            connection.Configure(); // waits out the failed endpoint's connect timeout, on this probe's thread
            fault = ReadFault(database, node.ProbeKey);
        }
        fault ??= Replayed(database, node.Pending);
        if (fault is not null)
        {
            node.Gate.Close(fault);
            RedisCacheLog.ProbeFailed(_logger, node + ": " + fault.GetType().Name, node.Gate.CurrentBackoff);
            return;
        }
        if (_nodes.Open(node, _nodeReopening, _reopened))
        {
            RedisCacheLog.NodeAvailable(_logger, node.ToString());
            // Invalidations that arrived while the probe was in flight; any a new fault kept wait for that fault's gate.
            if (Replayed(database, node.Pending) is { } late)
            {
                Failed(connection, late, "(invalidation)", default, node.ProbeKey);
                foreach (string key in node.Pending.TakeAll())
                {
                    Remember(key);
                }
            }
        }
    }

    // A key that does not exist, read from its slot's master (a replica would answer the read while its master is down,
    // but not the writes that follow). Returns what kept it from an answer.
    private static Exception? ReadFault(IDatabase database, RedisKey key)
    {
        try
        {
            database.StringGet(key, CommandFlags.DemandMaster);
            return null;
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex) || ex is RedisServerException)
        {
            return ex;
        }
    }

    private IConnectionMultiplexer? Connect()
    {
        IConnectionMultiplexer connection;
        try
        {
            connection = _external ?? ConnectionMultiplexer.Connect(_configuration);
        }
        catch (Exception ex)
        {
            CacheMetrics.Error("connection");
            Close(ex);
            return null;
        }
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _connection, connection, null) is not null)
        {
            if (connection != _external)
            {
                connection.Dispose();
            }
            return Volatile.Read(ref _connection);
        }
        _evictions?.Subscribe(connection, _logger); // each new connection subscribes; the client resubscribes after its own reconnects
        return connection;
    }

    private bool Pinged(IConnectionMultiplexer connection)
    {
        try
        {
            // The primary, not any node: through Sentinel, before the promotion, the client may reach only the replica,
            // which would answer reads and refuse every write.
            connection.GetDatabase().Ping(CommandFlags.DemandMaster);
            return true;
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex))
        {
            CacheMetrics.Error("connection");
            Drop(connection);
            Close(ex);
            return false;
        }
        catch (RedisServerException ex) when (RedisFaults.IsUnavailable(ex))
        {
            Close(ex); // alive, but not serving yet (LOADING): the gate stays closed for another backoff
            return false;
        }
        catch (RedisException)
        {
            return true; // the server answered the PING with an error (an ACL without it): the link is alive
        }
    }

    // Runs before the gate opens, so no caller of this process reads an entry it invalidated; if it fails, the gate stays closed.
    private bool Replayed(IConnectionMultiplexer connection)
    {
        if (Replayed(connection.GetDatabase(), _pending) is not { } fault)
        {
            return true;
        }
        CacheMetrics.Error("connection");
        if (RedisFaults.IsConnectionFault(fault))
        {
            Drop(connection);
        }
        Close(fault);
        return false;
    }

    // Deletes the keys a gate remembered; returns the fault that kept some (they wait for the next probe): of the link,
    // or a server not serving keys yet (LOADING after a restart), which must not lose them.
    // Redis refusing the DEL (an ACL without it, say) cannot be helped by retrying, so that is logged, not kept.
    private Exception? Replayed(IDatabase database, PendingInvalidations pending)
    {
        if (pending.IsEmpty)
        {
            return null;
        }
        string[] keys = pending.TakeAll();
        try
        {
            Task.WhenAll(keys.Select(key => database.KeyDeleteAsync(key))).GetAwaiter().GetResult();
            RedisCacheLog.InvalidationsReplayed(_logger, keys.Length);
            foreach (string key in keys)
            {
                _evictions?.Announce(database.Multiplexer, key);
            }
            return null;
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex) || RedisFaults.IsUnavailable(ex))
        {
            pending.Restore(keys);
            return ex;
        }
        catch (Exception ex)
        {
            RedisCacheLog.ServerError(_logger, "(invalidation)", keys.Length.ToString(CultureInfo.InvariantCulture) + " keys", ex);
            return null;
        }
    }

    private void Open()
    {
        _gate.Open();
        Volatile.Write(ref _probeAgain, 0); // after: a switch heard now sees the gate open and clears its own
    }

    // The connection's gate covers every key: node gates go, and the invalidations they remembered wait for its probe.
    private void Close(Exception? cause, TimeSpan? probeAfter = null)
    {
        if (Interlocked.Exchange(ref _probeAgain, 0) == 1)
        {
            probeAfter ??= TimeSpan.Zero;
        }
        _pending.Restore(_nodes.Clear());
        if (_gate.Close(cause, probeAfter) == RedisStatus.Unavailable)
        {
            _probeTimer.Change(_gate.CurrentBackoff, Timeout.InfiniteTimeSpan); // closed already: no event, a new backoff
        }
    }

    // The probe timer is armed before the change is logged, so whoever reads the log also finds the next probe due.
    private void OnGateChanged(GateChange change)
    {
        if (change.SwitchesLayers && change.After == RedisStatus.Available)
        {
            _reopened(false); // every node gate went with the store's close
        }
        if (change.After == RedisStatus.Unavailable)
        {
            _probeTimer.Change(change.Backoff, Timeout.InfiniteTimeSpan);
        }
        switch (change)
        {
            case { After: RedisStatus.Available }:
                RedisCacheLog.Available(_logger);
                break;
            case { Before: RedisStatus.Probing, After: RedisStatus.Unavailable }:
                RedisCacheLog.ProbeFailed(_logger, change.Cause?.GetType().Name ?? "reset", change.Backoff);
                break;
            case { After: RedisStatus.Unavailable, Cause: { } cause }:
                RedisCacheLog.Unavailable(_logger, cause.GetType().Name, change.Backoff, cause);
                break;
        }
    }

    private void OnHealthCheckTimer()
    {
        ProbeDueNodes();
        IConnectionMultiplexer? connection = _gate.Status == RedisStatus.Available ? Volatile.Read(ref _connection) : null;
        if (connection is not null && _clock.NowMilliseconds - Volatile.Read(ref _lastSuccess) >= _idleMilliseconds)
        {
            _ = PingAsync(connection);
        }
    }

    private async Task PingAsync(IConnectionMultiplexer connection)
    {
        try
        {
            await connection.GetDatabase().PingAsync().ConfigureAwait(false);
            Succeeded();
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex))
        {
            Failed(connection, ex, "(health check)", default, default); // a PING names no key: a fault is the connection's
        }
        catch (RedisException)
        {
            // The server answered the PING with an error: the link is alive.
        }
    }

    // Takes the connection out of use if it is still the current one; false when another call already did.
    private bool Drop(IConnectionMultiplexer connection)
    {
        if (Interlocked.CompareExchange(ref _connection, null, connection) != connection)
        {
            return false;
        }
        Retire(connection);
        return true;
    }

    // Disposal waits out in-flight calls (one operation timeout) and runs on the real clock: it frees sockets, and must
    // happen even under a test clock. The client's maintainers warn against disposing a multiplexer under callers still
    // using it. Dispose can block for most of a second on a broken link, so it too runs on a thread of its own.
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
}
