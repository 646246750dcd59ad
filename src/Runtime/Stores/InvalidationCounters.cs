namespace ResultCache;

/// <summary>
/// One store's invalidations, counted so that a value read before an invalidation is never kept after it returned.
/// A reader takes a <see cref="Stamp"/> of its key before it reads; a layer keeps the value only while the stamp is
/// unchanged. Keys share 4 096 stripes: an invalidation of one key makes a write of a key in its stripe skip, never
/// keep a stale value. <see cref="All"/> counts every invalidation, so a caller never joins a read that began
/// before one.
/// </summary>
internal sealed class InvalidationCounters
{
    private const int Stripes = 4096;

    private readonly long[] _byStripe = new long[Stripes];
    private readonly int[] _writing = new int[Stripes];
    private long _all;
    private long _clears;       // the embedded store or the local layer emptied
    private long _outageClears; // the outage layer emptied

    /// <summary>Every invalidation so far; single flight compares it to let no caller join a read older than one.</summary>
    public long All => Volatile.Read(ref _all);

    /// <summary>How many times the outage layer was emptied: a read that sees it move knows Redis came back meanwhile.</summary>
    public long OutageClears => Volatile.Read(ref _outageClears);

    /// <summary>The key's stamp: the invalidations of keys in its stripe, and the clears of the in-process layers.</summary>
    public InvalidationStamp Stamp(UInt128 hash) =>
        new(Volatile.Read(ref _byStripe[Stripe(hash)]), Volatile.Read(ref _clears), Volatile.Read(ref _outageClears));

    /// <summary>
    /// Whether a value stamped with <paramref name="stamp"/> may still be kept: no invalidation of its stripe since, and
    /// no clear of the layer keeping it (<paramref name="outage"/>: the outage layer, else the embedded store or local layer).
    /// </summary>
    public bool Keeps(UInt128 hash, InvalidationStamp stamp, bool outage)
    {
        InvalidationStamp now = Stamp(hash);
        return now.Key == stamp.Key && (outage ? now.OutageClears == stamp.OutageClears : now.Clears == stamp.Clears);
    }

    /// <summary>An entry's invalidation begins or ends; counted at both, so a read that overlapped either is not kept.</summary>
    public void Entry(UInt128 hash)
    {
        Interlocked.Increment(ref _byStripe[Stripe(hash)]);
        Interlocked.Increment(ref _all);
    }

    /// <summary>A tag's invalidation: tag versions make older values miss; this keeps callers from joining older reads.</summary>
    public void Tag() => Interlocked.Increment(ref _all);

    /// <summary>
    /// The embedded store, or the local layer, is emptied (Redis or a cluster node is about to be used again): no value
    /// stamped before may enter it. Flights go on: their values are fresh computations, not values an invalidation retired.
    /// </summary>
    public void Clear() => Interlocked.Increment(ref _clears);

    /// <summary>
    /// The outage layer is emptied (Redis, or the last failing cluster node, is in use again): no result computed
    /// during the outage may enter it after.
    /// </summary>
    public void ClearOutage() => Interlocked.Increment(ref _outageClears);

    /// <summary>
    /// A write to a shared store (Redis) begins, if no invalidation of its stripe came since <paramref name="stamp"/>.
    /// An invalidation that began meanwhile waits for it (<see cref="HasWriters"/>) and deletes again. A clear does not
    /// count here: Redis coming back empties the in-process layers, and changes nothing about a value computed meanwhile.
    /// </summary>
    public bool TryBeginWrite(UInt128 hash, InvalidationStamp stamp)
    {
        int stripe = Stripe(hash);
        Interlocked.Increment(ref _writing[stripe]);
        if (Volatile.Read(ref _byStripe[stripe]) == stamp.Key)
        {
            return true;
        }
        Interlocked.Decrement(ref _writing[stripe]);
        return false;
    }

    public void EndWrite(UInt128 hash) => Interlocked.Decrement(ref _writing[Stripe(hash)]);

    /// <summary>Whether a write that began before an invalidation of this stripe may still land.</summary>
    public bool HasWriters(UInt128 hash) => Volatile.Read(ref _writing[Stripe(hash)]) > 0;

    private static int Stripe(UInt128 hash) => (int)((ulong)hash & (Stripes - 1));
}

/// <summary>A key's invalidations (<see cref="Key"/>, by stripe) and the in-process layers' clears, as a reader found them.</summary>
internal readonly record struct InvalidationStamp(long Key, long Clears, long OutageClears);
