using System.Text.Json.Serialization.Metadata;

namespace ResultCache;

/// <summary>
/// What the layers need to know of a cached method, fixed when it is declared: its name and key prefix, its TTL
/// rules, and how its results serialize. <see cref="CachedMethod{T}"/> passes this down, so no layer calls back into it.
/// </summary>
internal sealed class MethodDescription<T>(string name, string signature, TimeSpan ttl, int ttlJitterPercent, TimeSpan failSafe, bool cacheNulls,
    bool singleFlightAcrossInstances, JsonTypeInfo<T> json, int refreshAheadPercent = 0, TimeSpan softTimeout = default, TimeSpan hardTimeout = default, bool ttlFromResult = false)
{
    /// <summary>The readable method part of the key, such as <c>Shop.Catalog.GetPrice</c>.</summary>
    public string Name { get; } = name;

    /// <summary><c>{Name}:{signature}:</c>, the part of a store key that names the method.</summary>
    public string KeyPrefix { get; } = $"{name}:{signature}:";

    /// <summary>How long results stay cached.</summary>
    public TimeSpan Ttl { get; } = ttl;

    /// <summary>Spreads each entry's TTL by up to this many percent either way; 0 to 50.</summary>
    public int TtlJitterPercent { get; } = ttlJitterPercent;

    /// <summary>How long past its TTL an entry is kept as a fallback for a failing <c>...Core</c>; zero is off.</summary>
    public TimeSpan FailSafe { get; } = failSafe;

    /// <summary>Whether <see langword="null"/> results are cached.</summary>
    public bool CacheNulls { get; } = cacheNulls;

    /// <summary>Whether a Redis miss is computed by one instance under a lease while the others wait for its value.</summary>
    public bool SingleFlightAcrossInstances { get; } = singleFlightAcrossInstances;

    /// <summary>Serializes results for stores outside the process.</summary>
    public JsonTypeInfo<T> Json { get; } = json;

    /// <summary>The share of an entry's TTL after which a hit starts a background refresh; 0 is off.</summary>
    public int RefreshAheadPercent { get; } = refreshAheadPercent;

    /// <summary>How long a caller waits for <c>...Core</c> while an expired value is held, before it gets that value; zero is off.</summary>
    public TimeSpan SoftTimeout { get; } = softTimeout;

    /// <summary>How long any caller waits for <c>...Core</c> at most; zero is off.</summary>
    public TimeSpan HardTimeout { get; } = hardTimeout;

    /// <summary>Whether each entry's TTL is chosen by the result (<c>TtlFrom</c>) rather than fixed.</summary>
    public bool TtlFromResult { get; } = ttlFromResult;

    /// <summary>
    /// Whether a Redis entry starts with its fresh-until time: fail-safe needs it, refresh-ahead too, and a TTL chosen
    /// by the result, so that a local copy never outlives it.
    /// </summary>
    public bool FramesFreshUntil => FailSafe > TimeSpan.Zero || RefreshAheadPercent > 0 || TtlFromResult;

    /// <summary>How long after it is stored an entry of <paramref name="ttl"/> is due for refresh; never when refresh-ahead is off.</summary>
    public TimeSpan RefreshIn(TimeSpan ttl) => RefreshAheadPercent == 0 ? TimeSpan.MaxValue : ttl * RefreshAheadPercent / 100;

    /// <summary>The TTL of one new entry: <see cref="Ttl"/>, spread by <see cref="TtlJitterPercent"/>.</summary>
    public TimeSpan NextTtl() => NextTtl(Ttl);

    /// <summary><paramref name="ttl"/> (the method's, or one its <c>TtlFrom</c> chose) spread by <see cref="TtlJitterPercent"/>.</summary>
    public TimeSpan NextTtl(TimeSpan ttl)
    {
        if (TtlJitterPercent == 0)
        {
            return ttl;
        }
        double spread = ((Random.Shared.NextDouble() * 2) - 1) * TtlJitterPercent / 100;
        // Never under a second from jitter alone, nor longer than chosen for a TTL that was shorter than that.
        return TimeSpan.FromMilliseconds(Math.Max(Math.Min(1000, ttl.TotalMilliseconds), ttl.TotalMilliseconds * (1 + spread)));
    }
}
