using System.Collections.Concurrent;

namespace ResultCache;

/// <summary>
/// The memory store's tag versions. Invalidating a tag gives it a new version from one counter; an entry
/// remembers the versions its tags had when it was read for, and is a miss once any of them moved on.
/// </summary>
internal sealed class MemoryTagVersions(int maxTags)
{
    private readonly ConcurrentDictionary<UInt128, long> _versions = new();
    private long _clock;

    // The version of a tag with no entry. When the table outgrows its bound it is emptied and the floor
    // moves to a fresh version: every older entry then misses once, and none is ever served stale.
    private long _floor;

    public void Invalidate(UInt128 tag)
    {
        _versions[tag] = Interlocked.Increment(ref _clock);
        if (_versions.Count > maxTags)
        {
            Volatile.Write(ref _floor, Interlocked.Increment(ref _clock));
            _versions.Clear();
        }
    }

    public TagVersions Current(CacheTags tags)
    {
        var versions = new long[tags.Count];
        for (int i = 0; i < versions.Length; i++)
        {
            versions[i] = VersionOf(tags[i]);
        }
        return new TagVersions(versions);
    }

    public bool AreCurrent(CacheTags tags, TagVersions versions)
    {
        for (int i = 0; i < tags.Count; i++)
        {
            if (VersionOf(tags[i]) != versions[i])
            {
                return false;
            }
        }
        return true;
    }

    private long VersionOf(UInt128 tag) => _versions.TryGetValue(tag, out long version) ? version : Volatile.Read(ref _floor);
}
