using System.Text.Json.Serialization.Metadata;

namespace ResultCache;

/// <summary>
/// What the layers need to know of a cached method, fixed when it is declared: its name and key prefix, its TTL
/// rules, and how its results serialize. <see cref="CachedMethod{T}"/> passes this down, so no layer calls back into it.
/// </summary>
internal sealed class MethodDescription<T>(string name, string signature, TimeSpan ttl, int ttlJitterPercent, TimeSpan failSafe, bool cacheNulls,
    bool singleFlightAcrossInstances, JsonTypeInfo<T> json)
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

    /// <summary>The TTL of one new entry: <see cref="Ttl"/>, spread by <see cref="TtlJitterPercent"/>.</summary>
    public TimeSpan NextTtl()
    {
        if (TtlJitterPercent == 0)
        {
            return Ttl;
        }
        double spread = ((Random.Shared.NextDouble() * 2) - 1) * TtlJitterPercent / 100;
        return TimeSpan.FromMilliseconds(Math.Max(1000, Ttl.TotalMilliseconds * (1 + spread)));
    }
}
