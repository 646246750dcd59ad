namespace ResultCache;

/// <summary>What a call may do with Redis right now.</summary>
internal enum Admission
{
    /// <summary>Gate closed: skip Redis entirely and run <c>...Core</c>.</summary>
    Bypass,

    /// <summary>Gate open: use the connection.</summary>
    Use,

    /// <summary>This caller alone tests whether Redis is back (connecting if needed).</summary>
    Probe,
}

/// <summary>
/// The backoff gate. After a connection fault it stays closed for the backoff, during which a call costs
/// one clock read. When the backoff ends exactly one caller probes; the others keep bypassing until the
/// probe succeeds, so a recovering Redis never sees a thundering herd of reconnects.
/// </summary>
internal sealed class RedisGate(TimeProvider time, TimeSpan backoff)
{
    private const int Open = 0;
    private const int Closed = 1;
    private const int Probing = 2;

    private readonly CacheClock _clock = new(time);
    private readonly long _backoffMilliseconds = (long)backoff.TotalMilliseconds;

    // Starts closed with the backoff already over: the first call probes, which also makes the first connect single-flight.
    private int _state = Closed;
    private long _reopenAt;

    public RedisStatus Status => Volatile.Read(ref _state) switch
    {
        Open => RedisStatus.Available,
        Probing => RedisStatus.Probing,
        _ => RedisStatus.Unavailable,
    };

    /// <summary>Whether calls bypass Redis now; unlike <see cref="Admit"/> it never claims the probe.</summary>
    public bool IsBypassing
    {
        get
        {
            int state = Volatile.Read(ref _state);
            return state == Probing || (state == Closed && _clock.NowMilliseconds < Volatile.Read(ref _reopenAt));
        }
    }

    public Admission Admit()
    {
        int state = Volatile.Read(ref _state);
        if (state == Open)
        {
            return Admission.Use;
        }
        if (state == Probing || _clock.NowMilliseconds < Volatile.Read(ref _reopenAt))
        {
            return Admission.Bypass;
        }
        return Interlocked.CompareExchange(ref _state, Probing, Closed) == Closed ? Admission.Probe : Admission.Bypass;
    }

    /// <summary>The probe reached Redis: open the gate.</summary>
    public void ProbeSucceeded() => Volatile.Write(ref _state, Open);

    /// <summary>Closes the gate for the backoff. Returns whether it was open (the caller logs the transition once).</summary>
    public bool Close()
    {
        long reopenAt = _clock.NowMilliseconds + _backoffMilliseconds;
        // The reopen time is written before the state, so a reader that sees Closed sees the new time.
        Volatile.Write(ref _reopenAt, reopenAt);
        return Interlocked.Exchange(ref _state, Closed) == Open;
    }

    /// <summary>Lets the next call probe at once (after an explicit reset, not a fault).</summary>
    public void ProbeNow()
    {
        Volatile.Write(ref _reopenAt, 0);
        Interlocked.Exchange(ref _state, Closed);
    }
}

/// <summary>What the Redis store is doing with Redis.</summary>
public enum RedisStatus
{
    /// <summary>Connected: calls read and write the cache.</summary>
    Available,

    /// <summary>Gate closed after a fault (or not connected yet): calls run uncached until a probe succeeds.</summary>
    Unavailable,

    /// <summary>One caller is testing whether Redis is back; the others run uncached meanwhile.</summary>
    Probing,
}
