namespace ResultCache;

/// <summary>
/// Milliseconds for TTLs and the backoff. With the system clock it reads <see cref="Environment.TickCount64"/>; a
/// <c>coarse</c> clock (the in-process entries' TTLs) reads a shared value that a timer refreshes every
/// <see cref="CoarseResolutionMilliseconds"/> instead, so a hit costs one memory read rather than a clock call (a
/// third of its time), and a TTL ends at most that much late. With any other <see cref="TimeProvider"/> (a test's
/// fake clock) it reads that provider.
/// </summary>
internal readonly struct CacheClock(TimeProvider time, bool coarse = false)
{
    public const int CoarseResolutionMilliseconds = 20;

    private readonly TimeProvider? _custom = ReferenceEquals(time, TimeProvider.System) ? null : time;

    public long NowMilliseconds => _custom is not null
        ? _custom.GetElapsedTime(0, _custom.GetTimestamp()).Ticks / TimeSpan.TicksPerMillisecond
        : coarse ? CoarseTime.Milliseconds : Environment.TickCount64;

    private static class CoarseTime
    {
        private static long s_milliseconds = Environment.TickCount64;

        // Started with the first read; runs for the life of the process (a few microseconds of work per tick).
        private static readonly Timer s_refresh = new(
            static _ => Volatile.Write(ref s_milliseconds, Environment.TickCount64), null, CoarseResolutionMilliseconds, CoarseResolutionMilliseconds);

        public static long Milliseconds => Volatile.Read(ref s_milliseconds);
    }
}
