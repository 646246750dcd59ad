using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Each tag's current version lives in its own Redis key as a random 64-bit number. A missing key is
/// given a fresh one with <c>SET NX GET</c>, so invalidation is a plain DEL and a version never comes back.
/// </summary>
internal sealed class RedisTagVersions(RedisCacheStore store, TimeSpan retention)
{
    /// <summary>
    /// Reads an entry and its tags' current versions (into <paramref name="versions"/>) in one round trip: every GET is
    /// sent before the first await, and each names a single key, so it works on a cluster.
    /// </summary>
    public async ValueTask<Lease<byte>?> ReadWithEntryAsync(IDatabase database, string entryKey, CacheTags tags, StrongBox<TagVersions> versions)
    {
        Task<Lease<byte>?> entry = database.StringGetLeaseAsync(entryKey);
        var reads = new Task<RedisValue>[tags.Count];
        for (int i = 0; i < reads.Length; i++)
        {
            reads[i] = database.StringGetAsync(store.TagKeyFor(tags[i]));
        }
        Lease<byte>? raw = await entry.ConfigureAwait(false);
        versions.Value = await CompleteAsync(database, tags, reads).ConfigureAwait(false);
        return raw;
    }

    private async Task<TagVersions> CompleteAsync(IDatabase database, CacheTags tags, Task<RedisValue>[] reads)
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
