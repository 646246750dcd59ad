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
/// The backoff gate, a state machine with no I/O. After a connection fault it stays closed for a backoff, during which
/// admission costs one clock read. When the backoff ends exactly one caller claims the probe, so a recovering Redis never
/// sees a thundering herd of reconnects. Each transition is one signal, in two steps: <see cref="Changing"/> before any
/// caller can be admitted under the new state (the in-process layer switch), <see cref="Changed"/> after (the probe
/// timer, the log).
/// </summary>
/// <remarks>
/// The backoff starts short (<paramref name="firstBackoff"/>), so a short fault costs about that much, and doubles with
/// each close up to <paramref name="maxBackoff"/>, so a dead Redis sees one probe per process per <paramref name="maxBackoff"/>.
/// It starts short again only after the gate stayed open for <paramref name="maxBackoff"/>: a flapping Redis backs the
/// gate off as a dead one does, and the gate never flaps faster than its probes.
/// </remarks>
internal sealed class RedisGate(TimeProvider time, TimeSpan firstBackoff, TimeSpan maxBackoff)
{
    private const int Connecting = 0;
    private const int Opened = 1;
    private const int Closed = 2;
    private const int Probing = 3;

    private readonly CacheClock _clock = new(time);
    private readonly long _firstMilliseconds = (long)Math.Min(firstBackoff.TotalMilliseconds, maxBackoff.TotalMilliseconds);
    private readonly long _maxMilliseconds = (long)maxBackoff.TotalMilliseconds;
    private readonly object _transition = new(); // Open and Close, and their Changed events, one at a time
    private int _state = Connecting;
    private long _reopenAt;
    private long _nextBackoff = -1; // -1: the first backoff comes next
    private long _openedAt;

    public RedisStatus Status => ToStatus(Volatile.Read(ref _state));

    /// <summary>
    /// A transition between Available, Unavailable and Connecting, raised on the thread that makes it before callers are
    /// admitted under the new state: subscribers that swap what calls read (the in-process layers) are done before the
    /// first call sees the change.
    /// </summary>
    public event Action<GateChange>? Changing;

    /// <summary>Every transition (a probe's start included), raised once the new state is in force.</summary>
    public event Action<GateChange>? Changed;

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
        if (Interlocked.CompareExchange(ref _state, Probing, Closed) != Closed)
        {
            return Admission.StayInProcess;
        }
        Changed?.Invoke(new GateChange(RedisStatus.Unavailable, RedisStatus.Probing, null, CurrentBackoff));
        return Admission.Probe;
    }

    /// <summary>
    /// Ends the current backoff at once, so the next admission claims the probe: Redis's topology changed (Sentinel named a
    /// new primary). Returns whether the gate was closed and waiting.
    /// </summary>
    public bool EndBackoff()
    {
        lock (_transition) // not across a Close, which sets the backoff it would end
        {
            if (Volatile.Read(ref _state) != Closed)
            {
                return false;
            }
            Volatile.Write(ref _reopenAt, _clock.NowMilliseconds);
            return true;
        }
    }

    /// <summary>How long the gate stays closed after its latest close.</summary>
    public TimeSpan CurrentBackoff { get; private set; }

    /// <summary>Redis answered a probe: open the gate. Returns the status before.</summary>
    public RedisStatus Open()
    {
        lock (_transition)
        {
            _openedAt = _clock.NowMilliseconds;
            return Move(Opened, null);
        }
    }

    /// <summary>
    /// A connection fault (<paramref name="cause"/>, null for a reset): closed for the next backoff of the schedule, or
    /// until <paramref name="probeAfter"/> (zero after an explicit reset). Returns the status before.
    /// </summary>
    public RedisStatus Close(Exception? cause = null, TimeSpan? probeAfter = null)
    {
        long now = _clock.NowMilliseconds;
        long backoff;
        lock (_transition)
        {
            if (probeAfter is { } explicitly)
            {
                backoff = (long)explicitly.TotalMilliseconds;
            }
            else
            {
                bool stable = Volatile.Read(ref _state) == Opened && now - _openedAt >= _maxMilliseconds;
                backoff = _nextBackoff < 0 || stable ? _firstMilliseconds : _nextBackoff;
                _nextBackoff = Math.Min(backoff * 2, _maxMilliseconds);
            }
            CurrentBackoff = TimeSpan.FromMilliseconds(backoff);
            // The reopen time is written before the state, so a reader that sees Closed sees the new time.
            Volatile.Write(ref _reopenAt, now + backoff);
            return Move(Closed, cause);
        }
    }

    // Under the transition lock: the layer switch hears of the change, callers see it, then everyone else hears of it.
    private RedisStatus Move(int state, Exception? cause)
    {
        var change = new GateChange(ToStatus(Volatile.Read(ref _state)), ToStatus(state), cause, CurrentBackoff);
        if (change.Before == change.After)
        {
            return change.Before; // nothing to write: a probe claimed meanwhile stays claimed
        }
        Changing?.Invoke(change);
        RedisStatus before = ToStatus(Interlocked.Exchange(ref _state, state));
        Changed?.Invoke(change);
        return before;
    }

    private static RedisStatus ToStatus(int state) => state switch
    {
        Opened => RedisStatus.Available,
        Probing => RedisStatus.Probing,
        Connecting => RedisStatus.Connecting,
        _ => RedisStatus.Unavailable,
    };
}

/// <summary>
/// One transition of a <see cref="RedisGate"/>: the status before and after, the fault that closed it (null for a reset
/// or any other change), and the backoff then in force.
/// </summary>
internal readonly record struct GateChange(RedisStatus Before, RedisStatus After, Exception? Cause, TimeSpan Backoff)
{
    /// <summary>
    /// Whether calls move between Redis (with its local layer) and the outage layer: Unavailable or Probing on one side
    /// only. While Connecting, calls wait for the first connect, so it counts with Available.
    /// </summary>
    public bool SwitchesLayers => InOutage(Before) != InOutage(After);

    private static bool InOutage(RedisStatus status) => status is RedisStatus.Unavailable or RedisStatus.Probing;
}
