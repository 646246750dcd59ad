namespace ResultCache;

/// <summary>
/// Caches the method's result for <see cref="TtlSeconds"/> seconds, keyed by its arguments.
/// Put it on a <c>partial</c> method declaration; write the uncached body in a method of the same
/// signature named <c>{Name}Core</c>. The ResultCache generator writes the partial method's body.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class CacheResultAttribute : Attribute
{
    /// <summary>Caches the result for <paramref name="ttlSeconds"/> seconds.</summary>
    /// <param name="ttlSeconds">How long a result stays cached, in seconds; must be positive.</param>
    public CacheResultAttribute(int ttlSeconds) => TtlSeconds = ttlSeconds;

    /// <summary>How long a result stays cached, in seconds.</summary>
    public int TtlSeconds { get; }

    /// <summary>
    /// Whether a <see langword="null"/> result is cached. Off by default: <c>null</c> usually means
    /// "not there yet", and caching it would hide a row created a moment later for a whole TTL.
    /// Turn it on for negative caching of lookups that are expensive even when they find nothing.
    /// </summary>
    public bool CacheNulls { get; set; }

    /// <summary>
    /// Tags for the method's entries, such as <c>"project:{projectId}"</c>: a <c>{name}</c> placeholder is
    /// replaced by that parameter's value, formatted with the invariant culture (a format may follow a colon:
    /// <c>"{day:yyyy-MM}"</c>). <see cref="CacheStore.InvalidateTag"/> with the same text drops every
    /// entry that carries the tag, in O(1). An unknown parameter name is a compile error.
    /// </summary>
    public string[]? Tags { get; set; }

    /// <summary>
    /// Spreads each entry's TTL by up to this many percent either way (0 to 50), so entries written together do
    /// not all expire in the same second. Off (0) by default.
    /// </summary>
    public int TtlJitterPercent { get; set; }

    /// <summary>
    /// Fail-safe: entries are kept this many seconds past their TTL, and when <c>...Core</c> throws, an expired value
    /// within that window is returned instead of the exception (the failure is logged). Off (0) by default: the
    /// exception propagates.
    /// </summary>
    public int FailSafeSeconds { get; set; }

    /// <summary>
    /// Single flight across instances, on a Redis store: when several instances miss the same key at once, the one
    /// that wins a short lease in Redis runs <c>...Core</c> and the others wait for its value (at most
    /// <see cref="RedisCacheStoreOptions.LeaseTime"/>), then compute it themselves. A lease dies with its holder: if
    /// it fails, the others take over at once; if it crashes, when the lease expires. While Redis is unavailable,
    /// calls fall back to single flight within the process. Off by default: turn it on for an expensive
    /// <c>...Core</c> whose hot keys a whole fleet misses together.
    /// </summary>
    public bool SingleFlightAcrossInstances { get; set; }

    /// <summary>
    /// A version for changes no compile-time check can see: bump it when <c>...Core</c> computes a different result
    /// for the same arguments (a fixed calculation, a changed unit, another data source), so that entries written
    /// before are never read. Changes to the parameters or to the result type's JSON change the keys on their own.
    /// 0 by default.
    /// </summary>
    public int Version { get; set; }

    /// <summary>
    /// Refresh-ahead: a hit on an entry older than this share of its TTL returns the value at once and starts one
    /// background refresh of that key (one per key per process; once per fleet with
    /// <see cref="SingleFlightAcrossInstances"/>), so callers of a hot key never wait for <c>...Core</c> once a value
    /// exists. The refresh runs on the thread pool without the caller's <see cref="System.Threading.CancellationToken"/>;
    /// if it fails, it is logged and counted and the current value stays until its TTL ends. A key read by nobody
    /// after the threshold expires as usual. 0 (off) or 1 to 99; 80 is a common choice.
    /// </summary>
    public int RefreshAheadPercent { get; set; }

    /// <summary>
    /// While an expired value is held (<see cref="FailSafeSeconds"/>), how long a caller waits for <c>...Core</c>
    /// before it gets that value instead; <c>...Core</c> goes on in the background and stores its result. Needs
    /// <see cref="FailSafeSeconds"/>. 0 (off) or a number of milliseconds, shorter than <see cref="HardTimeoutMilliseconds"/>.
    /// </summary>
    public int SoftTimeoutMilliseconds { get; set; }

    /// <summary>
    /// How long any caller waits for <c>...Core</c> at most: then it gets the expired value if one is held, or a
    /// <see cref="System.TimeoutException"/> naming the method if none is; <c>...Core</c> goes on in the background and
    /// stores its result. 0 (off) or a number of milliseconds.
    /// </summary>
    public int HardTimeoutMilliseconds { get; set; }

    /// <summary>
    /// The name of a method of the same type that chooses each new entry's TTL from the result:
    /// <c>TimeSpan SomeMethod(T result)</c>, or with the cached method's own parameters after the result; static, or an
    /// instance method when the cached method is one. <see cref="System.TimeSpan.Zero"/> (or less) means "do not cache
    /// this one". Checked at compile time and called directly; it replaces the constructor's TTL for every new entry,
    /// and <see cref="TtlJitterPercent"/> applies on top.
    /// </summary>
    public string? TtlFrom { get; set; }

    /// <summary>
    /// Batch calls: the name of one key parameter (<c>BatchBy = nameof(id)</c>). The generator then also writes
    /// <c>GetProductManyAsync(IEnumerable&lt;int&gt; ids, ...)</c> beside <c>GetProductAsync(int id, ...)</c>: it looks up
    /// every id's entry (the same entries the single method reads and writes) and calls your
    /// <c>GetProductManyAsyncCore(IReadOnlyList&lt;int&gt; ids, ...)</c> once, with only the ids that missed, and returns
    /// a dictionary of every id that has a value. An id the core leaves out is absent from the answer and not cached.
    /// </summary>
    public string? BatchBy { get; set; }
}
