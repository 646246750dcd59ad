namespace ResultCache;

/// <summary>
/// What a single-flight leader's read found: a fresh value, or a miss. A miss carries what its write needs: the tag
/// versions to store under and, for a fail-safe method, an expired value to fall back on if <c>...Core</c> fails.
/// </summary>
internal readonly struct CacheLookup<T>
{
    private CacheLookup(bool found, bool stale, T value, TagVersions versions, InProcessStamp local, bool reachedRedis, TimeSpan refreshIn = default)
    {
        RefreshIn = found ? refreshIn : TimeSpan.MaxValue;
        Found = found;
        HasStaleValue = stale;
        Value = value;
        Versions = versions;
        Local = local;
        ReachedRedis = reachedRedis;
    }

    /// <summary>Whether the read found a fresh value.</summary>
    public bool Found { get; }

    /// <summary>A miss that still holds an expired value within the method's fail-safe window.</summary>
    public bool HasStaleValue { get; }

    /// <summary>The value when <see cref="Found"/>; the expired one when <see cref="HasStaleValue"/>.</summary>
    public T Value { get; }

    /// <summary>The versions the call's tags had in the store that answered.</summary>
    public TagVersions Versions { get; }

    /// <summary>A Redis store's in-process entries as they were before it read Redis: their tag versions and removal count.</summary>
    public InProcessStamp Local { get; }

    /// <summary>Whether the read reached Redis; a result whose read did not is kept in process only.</summary>
    public bool ReachedRedis { get; }

    /// <summary>For a hit, how long until it is due for a refresh-ahead (zero or less: due now; <see cref="TimeSpan.MaxValue"/>: never).</summary>
    public TimeSpan RefreshIn { get; }

    /// <summary>A hit that a method with refresh-ahead should refresh now.</summary>
    public bool RefreshDue => Found && RefreshIn <= TimeSpan.Zero;

    public static CacheLookup<T> Hit(T value) => new(true, false, value, default, default, false, TimeSpan.MaxValue);

    public static CacheLookup<T> Hit(T value, TimeSpan refreshIn) => new(true, false, value, default, default, false, refreshIn);

    public static CacheLookup<T> Stale(T value, TagVersions versions) => new(false, true, value, versions, default, false);

    public static CacheLookup<T> Miss(TagVersions versions) => new(false, false, default!, versions, default, false);

    /// <summary>The same outcome, with the stamp of a Redis store's in-process entries and whether Redis answered.</summary>
    public CacheLookup<T> With(InProcessStamp local, bool reachedRedis) => new(Found, HasStaleValue, Value, Versions, local, reachedRedis, RefreshIn);
}

/// <summary>
/// An in-process table as a reader found it before reading elsewhere: the versions to keep its value under, and its
/// key's invalidation stamp then (<see cref="InvalidationCounters.Stamp"/>).
/// </summary>
internal readonly record struct InProcessStamp(TagVersions Versions, InvalidationStamp Invalidations);
