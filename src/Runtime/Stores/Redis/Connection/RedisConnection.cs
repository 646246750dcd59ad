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
    private readonly TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnectionMultiplexer? _connection;
    private long _lastSuccess;
    private int _disposed;

    // changed: hears each change of status before calls see it; the store swaps its in-process layers there.
    public RedisConnection(RedisCacheStoreOptions options, ConfigurationOptions configuration, EvictionChannel? evictions, Action<GateChange> changed)
    {
        _configuration = configuration;
        _external = options.Connection;
        _gate = new RedisGate(options.TimeProvider, options.FirstBackoff, options.Backoff);
        _clock = new CacheClock(options.TimeProvider);
        _logger = options.Logger;
        _disposeGrace = options.OperationTimeout + TimeSpan.FromSeconds(1);
        _firstConnectWait = options.ConnectTimeout + TimeSpan.FromSeconds(1);
        _evictions = evictions;
        _gate.Changing += changed;
        _gate.Changed += OnGateChanged;
        // The probe after a backoff starts on time even if no call needs Redis: while the outage layer answers every call, none would.
        _probeTimer = options.TimeProvider.CreateTimer(static state => ((RedisConnection)state!).ProbeIfDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        StartProbe(); // the first connect: a cold start then finds it done, or waits for it, never a stampede of connects
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

    /// <summary>The connection a write or delete may use, re-fetched: none when the gate closed since the read.</summary>
    public IConnectionMultiplexer? ForWrite => _gate.Status == RedisStatus.Available ? Volatile.Read(ref _connection) : null;

    /// <summary>A command reached Redis: the link is alive, and the health check may stay quiet a while.</summary>
    public void Succeeded() => Volatile.Write(ref _lastSuccess, _clock.NowMilliseconds);

    /// <summary>
    /// Sorts a failed command. A fault of the link closes the gate and retires the connection; an error Redis answered
    /// with (WRONGTYPE, OOM) is logged and changes nothing. Returns which it was.
    /// </summary>
    public RedisOutcome Failed(IConnectionMultiplexer connection, Exception ex, string method, UInt128 key)
    {
        if (!RedisFaults.IsConnectionFault(ex))
        {
            CacheMetrics.Error("server");
            RedisCacheLog.ServerError(_logger, method, key.ToString("x32", CultureInfo.InvariantCulture), ex);
            return RedisOutcome.Refused;
        }
        CacheMetrics.Error("connection");
        // A fault seen on a connection that was already replaced is old news; only the current one trips the gate.
        if (Drop(connection))
        {
            Close(ex);
        }
        return RedisOutcome.Unreachable;
    }

    /// <summary>An invalidation Redis did not get: deleted by the probe that finds Redis back, before the gate opens.</summary>
    public void Remember(string redisKey)
    {
        if (_pending.AddOrReportFirstDrop(redisKey))
        {
            RedisCacheLog.InvalidationsDropped(_logger, PendingInvalidations.Capacity);
        }
        ProbeIfDue(); // a process that only invalidates makes no read that would claim the probe
    }

    /// <summary>Starts a probe if one is due: when the backoff ends, and for callers that make no reads (the health check).</summary>
    public void ProbeIfDue()
    {
        if (_gate.Admit() == Admission.Probe)
        {
            StartProbe();
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
            connection.GetDatabase().Ping();
            return true;
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex))
        {
            CacheMetrics.Error("connection");
            Drop(connection);
            Close(ex);
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
        if (_pending.IsEmpty)
        {
            return true;
        }
        string[] keys = _pending.TakeAll();
        try
        {
            IDatabase database = connection.GetDatabase();
            Task.WhenAll(keys.Select(key => database.KeyDeleteAsync(key))).GetAwaiter().GetResult();
            RedisCacheLog.InvalidationsReplayed(_logger, keys.Length);
            foreach (string key in keys)
            {
                _evictions?.Announce(connection, key);
            }
            return true;
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex))
        {
            _pending.Restore(keys);
            CacheMetrics.Error("connection");
            Drop(connection);
            Close(ex);
            return false;
        }
        catch (Exception ex)
        {
            // Redis refused the DEL (an ACL without it, say): retrying cannot help, so it is logged, not kept.
            RedisCacheLog.ServerError(_logger, "(invalidation)", keys.Length.ToString(CultureInfo.InvariantCulture) + " keys", ex);
            return true;
        }
    }

    private void Open() => _gate.Open();

    private void Close(Exception? cause, TimeSpan? probeAfter = null)
    {
        if (_gate.Close(cause, probeAfter) == RedisStatus.Unavailable)
        {
            _probeTimer.Change(_gate.CurrentBackoff, Timeout.InfiniteTimeSpan); // closed already: no event, a new backoff
        }
    }

    // The probe timer is armed before the change is logged, so whoever reads the log also finds the next probe due.
    private void OnGateChanged(GateChange change)
    {
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
        IConnectionMultiplexer? connection = ForWrite;
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
            Failed(connection, ex, "(health check)", default);
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
