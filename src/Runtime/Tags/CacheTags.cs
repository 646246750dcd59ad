namespace ResultCache.CompilerServices;

/// <summary>The tags of one call, as hashes. Generated code builds it for methods with <see cref="CacheResultAttribute.Tags"/>.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public readonly struct CacheTags
{
    // One reference, so an untagged key stays small on the hot path; a tagged call pays one small array.
    private readonly UInt128[]? _hashes;

    /// <summary>One tag.</summary>
    public CacheTags(CacheTag tag) => _hashes = [tag.ToHash()];

    /// <summary>Several tags.</summary>
    public CacheTags(params UInt128[] hashes) => _hashes = hashes ?? throw new ArgumentNullException(nameof(hashes));

    /// <summary>How many tags; zero for an untagged method.</summary>
    public int Count => _hashes?.Length ?? 0;

    /// <summary>The hash of tag <paramref name="index"/>.</summary>
    public UInt128 this[int index] => (_hashes ?? throw new ArgumentOutOfRangeException(nameof(index)))[index];

    /// <summary>The hash of one tag; generated code passes several to <see cref="CacheTags(UInt128[])"/>.</summary>
    public static UInt128 Hash(CacheTag tag) => tag.ToHash();
}
