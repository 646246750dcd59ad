namespace ResultCache;

/// <summary>
/// The versions a call's tags had when it looked its key up. A miss carries them to the write, so a
/// result computed while a tag was invalidated is stored under the old version and never read back.
/// </summary>
internal readonly struct TagVersions
{
    private readonly long[]? _versions;

    /// <summary>Versions in the order of the call's <see cref="CacheTags"/>.</summary>
    public TagVersions(params long[] versions) => _versions = versions ?? throw new ArgumentNullException(nameof(versions));

    /// <summary>How many versions; zero for an untagged call.</summary>
    public int Count => _versions?.Length ?? 0;

    /// <summary>The version of tag <paramref name="index"/>.</summary>
    public long this[int index] => (_versions ?? throw new ArgumentOutOfRangeException(nameof(index)))[index];
}
