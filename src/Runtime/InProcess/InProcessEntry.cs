namespace ResultCache;

/// <summary>
/// One value held in process, and its place in the eviction policy. The value and its times never change; a new
/// value is a new entry. The policy fields are read and written only under the table's lock, except <see cref="Hits"/>.
/// </summary>
internal abstract class InProcessEntry(UInt128 key, long expiresAt, int cost)
{
    /// <summary>The most hits an entry counts between two looks of the policy; the sketch counts no higher either.</summary>
    public const byte MaxHits = 15;

    /// <summary>
    /// Hits since the policy last looked, up to <see cref="MaxHits"/>. A hit adds one without a lock (a lost increment
    /// only lowers an estimate); once it is full, hits only read it, so a hot entry's memory is not written on every hit.
    /// </summary>
    public byte Hits;

    public UInt128 Key { get; } = key;

    /// <summary>When the entry is of no more use, its fail-safe window included (milliseconds on the table's clock).</summary>
    public long ExpiresAt { get; } = expiresAt;

    /// <summary>Its share of the table's capacity, in slots (see <see cref="InProcessLimits"/>).</summary>
    public int Cost { get; } = cost;

    /// <summary>The list of the policy it is in; <see cref="Segment.None"/> once it left the table.</summary>
    public Segment Segment { get; set; }

    public InProcessEntry? Previous { get; set; }

    public InProcessEntry? Next { get; set; }
}

/// <summary>A value of type <typeparamref name="T"/>, fresh until <see cref="FreshUntil"/>, stored under its tags' <see cref="Versions"/>.</summary>
internal sealed class InProcessEntry<T>(UInt128 key, T value, long freshUntil, long expiresAt, TagVersions versions, int cost)
    : InProcessEntry(key, expiresAt, cost)
{
    public T Value { get; } = value;

    public long FreshUntil { get; } = freshUntil;

    public TagVersions Versions { get; } = versions;
}

/// <summary>The lists of the eviction policy (<see cref="EvictionPolicy"/>).</summary>
internal enum Segment : byte
{
    None,
    Window,
    Probation,
    Protected,
}
