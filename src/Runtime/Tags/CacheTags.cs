namespace ResultCache;

/// <summary>The tags of one call, as hashes. Generated code builds it for methods with <see cref="CacheResultAttribute.Tags"/>.</summary>
public readonly struct CacheTags
{
    private readonly UInt128 _single;
    private readonly UInt128[]? _many;

    /// <summary>One tag.</summary>
    public CacheTags(CacheTag tag)
    {
        _single = tag.ToHash();
        Count = 1;
    }

    /// <summary>Several tags.</summary>
    public CacheTags(params UInt128[] hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        _many = hashes;
        Count = hashes.Length;
    }

    /// <summary>How many tags; zero for an untagged method.</summary>
    public int Count { get; }

    /// <summary>The hash of tag <paramref name="index"/>.</summary>
    public UInt128 this[int index] => _many is { } many ? many[index] : index == 0 && Count == 1 ? _single : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The hash of one tag; generated code passes several to <see cref="CacheTags(UInt128[])"/>.</summary>
    public static UInt128 Hash(CacheTag tag) => tag.ToHash();
}
