namespace ResultCache;

/// <summary>The outcome of a cache read: found with a value, or not found with the tag versions to store under.</summary>
public readonly struct CacheLookup<T>
{
    /// <summary>A miss of an untagged call, or one that must not be stored (the store is bypassing).</summary>
    public static CacheLookup<T> Miss => default;

    /// <summary>A miss whose result is stored under <paramref name="versions"/>.</summary>
    public CacheLookup(TagVersions versions)
    {
        Value = default!;
        Versions = versions;
    }

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

    /// <summary>On a miss of a tagged call, the versions its tags had at the read.</summary>
    public TagVersions Versions { get; }
}
