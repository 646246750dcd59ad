using System.Globalization;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>The connection's life: connecting, probing after a fault, the health check, and retiring a broken connection.</summary>
public sealed partial class RedisCacheStore
{
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
        ProbeInBackgroundIfDue();
        return _gate.Status == RedisStatus.Probing;
    }

    // For callers that never read (the health check, a process that only invalidates): no read would claim the probe.
    private void ProbeInBackgroundIfDue()
    {
        if (_gate.Admit() == Admission.Probe)
        {
            Interlocked.Exchange(ref _firstProbeClaimed, 1);
            StartProbe();
        }
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

    // A write or delete that reached Redis: the link is alive, and other instances' local layers hear of the key.
    private void Applied(IConnectionMultiplexer connection, string redisKey)
    {
        MarkSuccess();
        Announce(connection, redisKey);
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
}
