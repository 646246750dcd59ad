using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Each tag's current version lives in its own Redis key as a random 64-bit number. A missing key is
/// given a fresh one with <c>SET NX GET</c>, so invalidation is a plain DEL and a version never comes back.
/// </summary>
internal sealed class RedisTagVersions(RedisCacheStore store, TimeSpan retention)
{
    /// <summary>Sends a GET for every tag; the caller awaits them with <see cref="CompleteAsync"/>.</summary>
    public Task<RedisValue>[] Read(IDatabase database, CacheTags tags)
    {
        var reads = new Task<RedisValue>[tags.Count];
        for (int i = 0; i < reads.Length; i++)
        {
            reads[i] = database.StringGetAsync(store.TagKeyFor(tags[i]));
        }
        return reads;
    }

    public async Task<TagVersions> CompleteAsync(IDatabase database, CacheTags tags, Task<RedisValue>[] reads)
    {
        var versions = new long[reads.Length];
        for (int i = 0; i < reads.Length; i++)
        {
            RedisValue current = await reads[i].ConfigureAwait(false);
            versions[i] = TryParse(current, out long version) ? version : await StartAsync(database, tags[i]).ConfigureAwait(false);
        }
        return new TagVersions(versions);
    }

    // A tag's first use, or its first since an invalidation: one more round trip on that miss only.
    // The key expires after the retention, so tags of long-gone arguments do not pile up; entries under
    // an expired version then miss once, never serve stale.
    private async Task<long> StartAsync(IDatabase database, UInt128 tag)
    {
        long fresh = Random.Shared.NextInt64();
        RedisValue existing = await database.StringSetAndGetAsync(store.TagKeyFor(tag), fresh, retention, keepTtl: false, When.NotExists).ConfigureAwait(false);
        return TryParse(existing, out long version) ? version : fresh;
    }

    // RedisValue parses a missing value as 0, which must not pass for a version.
    private static bool TryParse(RedisValue value, out long version)
    {
        version = 0;
        return !value.IsNull && value.TryParse(out version);
    }
}
