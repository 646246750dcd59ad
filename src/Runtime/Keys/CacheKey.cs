namespace ResultCache.CompilerServices;

/// <summary>One call's key: the argument hash and, for a tagged method, the call's tags.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public readonly struct CacheKey
{
    /// <summary>A key with tags (none for an untagged method).</summary>
    public CacheKey(UInt128 hash, CacheTags tags = default)
    {
        Hash = hash;
        Tags = tags;
    }

    /// <summary>The argument hash, seeded with the method's identity.</summary>
    public UInt128 Hash { get; }

    /// <summary>The call's tags.</summary>
    public CacheTags Tags { get; }

    /// <summary>
    /// The tag rule every layer follows: a tagged value is stored only under the versions its read returned. Without
    /// them (the read did not reach that layer) it is not stored, since it may have been computed across an invalidation.
    /// </summary>
    internal bool CanStoreUnder(TagVersions versions) => versions.Count == Tags.Count;
}
