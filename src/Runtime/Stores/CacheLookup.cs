namespace ResultCache;

/// <summary>
/// The outcome of a cache read: found with a value, or not found. A miss carries the tag versions to store the new
/// result under and, for a fail-safe method, the expired value to fall back on if <c>...Core</c> fails.
/// </summary>
public readonly struct CacheLookup<T>
{
    /// <summary>A miss of an untagged call, or one that must not be stored (the store is bypassing).</summary>
    public static CacheLookup<T> Miss => default;

    /// <summary>A hit holding <paramref name="value"/>.</summary>
    public CacheLookup(T value)
    {
        Found = true;
        Value = value;
    }

    /// <summary>A miss whose result is stored under <paramref name="versions"/>.</summary>
    public CacheLookup(TagVersions versions)
    {
        Value = default!;
        Versions = versions;
    }

    private CacheLookup(T staleValue, TagVersions versions)
    {
        Value = staleValue;
        Versions = versions;
        HasStaleValue = true;
    }

    /// <summary>Whether the store held a fresh value.</summary>
    public bool Found { get; }

    /// <summary>The cached value when <see cref="Found"/>; the expired one when <see cref="HasStaleValue"/>.</summary>
    public T Value { get; }

    /// <summary>On a miss of a tagged call, the versions its tags had at the read.</summary>
    public TagVersions Versions { get; }

    /// <summary>A miss that still holds an expired value within the method's fail-safe window.</summary>
    public bool HasStaleValue { get; }

    /// <summary>A miss holding an expired value that fail-safe may return if <c>...Core</c> fails.</summary>
    public static CacheLookup<T> Stale(T value, TagVersions versions) => new(value, versions);
}
