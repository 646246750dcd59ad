namespace ResultCache;

/// <summary>
/// One value held in process: a node of its <see cref="EntryTable"/> and of the eviction policy's lists. The value and
/// its times never change; a new value is a new entry. The policy fields are touched only by the thread that holds
/// the policy (see <see cref="InProcessEntries"/>), except <see cref="Hits"/>.
/// </summary>
/// <remarks>
/// Laid out for the hit path: the runtime puts reference fields first, then primitives by size, then structs, and the
/// value (a field of the generic type) after all of these. So the key is two numbers, not a <see cref="UInt128"/>
/// (a struct would go last), and the end of the fail-safe window is a 32-bit offset: the bucket link, the key, the
/// TTL, the hit count and the value then lie within the entry's first 64 bytes.
/// </remarks>
internal abstract class InProcessEntry(UInt128 key, long freshUntil, long expiresAt, int cost)
{
    /// <summary>The most hits an entry counts between two looks of the policy; the sketch counts no higher either.</summary>
    public const byte MaxHits = 15;

    /// <summary>The next entry of its bucket; written under the bucket's lock, read without one.</summary>
    public InProcessEntry? NextInBucket;

    /// <summary>When the entry stops being a hit (milliseconds on the table's clock).</summary>
    public readonly long FreshUntil = freshUntil;

    private readonly ulong _keyLow = (ulong)key;
    private readonly ulong _keyHigh = (ulong)(key >> 64);

    // The fail-safe window, from FreshUntil; one longer than 24 days is kept in process for 24 days.
    private readonly int _failSafeMilliseconds = (int)Math.Clamp(expiresAt - freshUntil, 0, int.MaxValue);

    /// <summary>
    /// Hits since the policy last looked, up to <see cref="MaxHits"/>. A hit adds one without a lock (a lost increment
    /// only lowers an estimate); once it is full, hits only read it, so a hot entry's memory is not written on every hit.
    /// </summary>
    public byte Hits;

    /// <summary>Set when the entry leaves the table (under its bucket's lock); the policy then lets it go too.</summary>
    public volatile bool Removed;

    /// <summary>Its node in the <see cref="EvictionPolicy"/>'s lists; 0 while it is in none.</summary>
    public int PolicyNode;

    /// <summary>Its share of the table's capacity, in slots (see <see cref="InProcessLimits"/>).</summary>
    public readonly int Cost = cost;

    public UInt128 Key => new(_keyHigh, _keyLow);

    /// <summary>When the entry is of no more use, its fail-safe window included.</summary>
    public long ExpiresAt => FreshUntil + _failSafeMilliseconds;

    /// <summary>Whether this is the entry of <paramref name="key"/>: the hit path's compare, field by field.</summary>
    public bool Is(UInt128 key) => _keyLow == (ulong)key && _keyHigh == (ulong)(key >> 64);
}

/// <summary>A value of type <typeparamref name="T"/>, stored under its tags' <see cref="Versions"/>.</summary>
internal sealed class InProcessEntry<T>(UInt128 key, T value, long freshUntil, long expiresAt, TagVersions versions, int cost, long refreshAt = long.MaxValue)
    : InProcessEntry(key, freshUntil, expiresAt, cost)
{
    public readonly T Value = value;

    public readonly TagVersions Versions = versions;

    /// <summary>When a hit starts a refresh-ahead of the entry (same clock as <see cref="InProcessEntry.FreshUntil"/>); read only by methods that refresh ahead.</summary>
    public readonly long RefreshAt = refreshAt;
}
