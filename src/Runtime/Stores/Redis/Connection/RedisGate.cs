namespace ResultCache;

/// <summary>What a call may do with Redis right now.</summary>
internal enum Admission
{
    /// <summary>Gate open: use the connection.</summary>
    Use,

    /// <summary>The store's first connect is in flight: wait for it.</summary>
    WaitForFirstConnect,

    /// <summary>Gate closed or a probe in flight: skip Redis, stay in process.</summary>
    StayInProcess,

    /// <summary>The backoff is over and this caller claimed the one probe; it starts it and stays in process.</summary>
    Probe,
}

/// <summary>
/// The backoff gate, a state machine with no I/O. After a connection fault it stays closed for the backoff, during which
/// admission costs one clock read. When the backoff ends exactly one caller claims the probe, so a recovering Redis never
/// sees a thundering herd of reconnects. Each transition returns the state before it, so its owner signals a change once.
/// </summary>
internal sealed class RedisGate(TimeProvider time, TimeSpan backoff)
{
    private const int Connecting = 0;
    private const int Opened = 1;
    private const int Closed = 2;
    private const int Probing = 3;

    private readonly CacheClock _clock = new(time);
    private readonly long _backoffMilliseconds = (long)backoff.TotalMilliseconds;
    private int _state = Connecting;
    private long _reopenAt;

    public RedisStatus Status => ToStatus(Volatile.Read(ref _state));

    public Admission Admit()
    {
        int state = Volatile.Read(ref _state);
        if (state == Opened)
        {
            return Admission.Use;
        }
        if (state == Connecting)
        {
            return Admission.WaitForFirstConnect;
        }
        if (state == Probing || _clock.NowMilliseconds < Volatile.Read(ref _reopenAt))
        {
            return Admission.StayInProcess;
        }
        return Interlocked.CompareExchange(ref _state, Probing, Closed) == Closed ? Admission.Probe : Admission.StayInProcess;
    }

    /// <summary>Redis answered a probe: open the gate. Returns the status before.</summary>
    public RedisStatus Open() => ToStatus(Interlocked.Exchange(ref _state, Opened));

    /// <summary>
    /// A connection fault: closed for the backoff, or until <paramref name="probeAfter"/> (zero after an explicit
    /// reset). Returns the status before.
    /// </summary>
    public RedisStatus Close(TimeSpan? probeAfter = null)
    {
        // The reopen time is written before the state, so a reader that sees Closed sees the new time.
        Volatile.Write(ref _reopenAt, _clock.NowMilliseconds + (long)(probeAfter?.TotalMilliseconds ?? _backoffMilliseconds));
        return ToStatus(Interlocked.Exchange(ref _state, Closed));
    }

    private static RedisStatus ToStatus(int state) => state switch
    {
        Opened => RedisStatus.Available,
        Probing => RedisStatus.Probing,
        Connecting => RedisStatus.Connecting,
        _ => RedisStatus.Unavailable,
    };
}
