namespace ResultCache;

/// <summary>The outcome of a cache read: found with a value, or not found.</summary>
public readonly struct CacheLookup<T>
{
    /// <summary>A miss.</summary>
    public static CacheLookup<T> Miss => default;

    /// <summary>A hit holding <paramref name="value"/>.</summary>
    public CacheLookup(T value)
    {
        Found = true;
        Value = value;
    }

    /// <summary>Whether the store held a value.</summary>
    public bool Found { get; }

    /// <summary>The cached value when <see cref="Found"/>.</summary>
    public T Value { get; }
}
