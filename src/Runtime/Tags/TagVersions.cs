namespace ResultCache;

/// <summary>
/// The versions a call's tags had when it looked its key up. A miss carries them to the write, so a
/// result computed while a tag was invalidated is stored under the old version and never read back.
/// </summary>
public readonly struct TagVersions
{
    private readonly long _single;
    private readonly long[]? _many;

    /// <summary>Versions of a call with one tag.</summary>
    public TagVersions(long single)
    {
        _single = single;
        Count = 1;
    }

    /// <summary>Versions of a call with several tags, in the order of its <see cref="CacheTags"/>.</summary>
    public TagVersions(long[] versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        _many = versions;
        Count = versions.Length;
    }

    /// <summary>How many versions; zero for an untagged call.</summary>
    public int Count { get; }

    /// <summary>The version of tag <paramref name="index"/>.</summary>
    public long this[int index] => _many is { } many ? many[index] : index == 0 && Count == 1 ? _single : throw new ArgumentOutOfRangeException(nameof(index));
}
