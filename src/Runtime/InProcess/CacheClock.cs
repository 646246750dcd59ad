namespace ResultCache;

/// <summary>
/// Milliseconds for TTLs and the backoff. With the system clock it reads <see cref="Environment.TickCount64"/>,
/// a few nanoseconds instead of a high-resolution timestamp on every hit; with any other
/// <see cref="TimeProvider"/> (a test's fake clock) it reads that provider.
/// </summary>
internal readonly struct CacheClock(TimeProvider time)
{
    private readonly TimeProvider? _custom = ReferenceEquals(time, TimeProvider.System) ? null : time;

    public long NowMilliseconds => _custom is null
        ? Environment.TickCount64
        : _custom.GetElapsedTime(0, _custom.GetTimestamp()).Ticks / TimeSpan.TicksPerMillisecond;
}
