using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Each tag's current version lives in its own Redis key as a random 64-bit number. A missing key is
/// given a fresh one with <c>SET NX GET</c> (before Redis 7.0: <c>SET NX</c>, then <c>GET</c>), so invalidation is a plain DEL and a version never comes back.
/// A version key that holds anything else (text, a list) is replaced by a fresh version: a tag can only move on, which
/// makes its entries miss once and never serves a stale one.
/// </summary>
internal sealed class RedisTagVersions(RedisKeys keys, TimeSpan retention, ILogger logger)
{
    private int _setAndGetRefused; // 1 once the server refused SET with both NX and GET (before Redis 7.0)

    /// <summary>
    /// Reads an entry and its tags' current versions (into <paramref name="versions"/>) in one round trip: every GET is
    /// sent before the first await, and each names a single key, so it works on a cluster. An entry key of another
    /// Redis type reads as no entry, so the write that follows replaces it.
    /// </summary>
    public async ValueTask<Lease<byte>?> ReadWithEntryAsync(IDatabase database, string entryKey, CacheTags tags, StrongBox<TagVersions> versions)
    {
        Task<Lease<byte>?> entry = database.StringGetLeaseAsync(entryKey);
        var reads = new Task<RedisValue>[tags.Count];
        for (int i = 0; i < reads.Length; i++)
        {
            reads[i] = database.StringGetAsync(keys.Tag(tags[i]));
        }
        Lease<byte>? raw;
        try
        {
            raw = await entry.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsWrongType(ex))
        {
            RedisCacheLog.WrongType(logger, entryKey, ex);
            raw = null;
        }
        try
        {
            versions.Value = await CompleteAsync(database, tags, reads).ConfigureAwait(false);
        }
        catch
        {
            raw?.Dispose();
            throw;
        }
        return raw;
    }

    private async Task<TagVersions> CompleteAsync(IDatabase database, CacheTags tags, Task<RedisValue>[] reads)
    {
        var versions = new long[reads.Length];
        for (int i = 0; i < reads.Length; i++)
        {
            RedisValue current;
            bool readable = true;
            try
            {
                current = await reads[i].ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (IsWrongType(ex))
            {
                (current, readable) = (RedisValue.Null, false);
            }
            versions[i] = TryRead(current, out long version) ? version
                : readable && current.IsNull ? await StartAsync(database, tags[i]).ConfigureAwait(false)
                : await ReplaceAsync(database, tags[i]).ConfigureAwait(false);
        }
        return new TagVersions(versions);
    }

    /// <summary>
    /// A tag version as stored: the decimal text of a 64-bit number and nothing else. RedisValue parses a missing value
    /// as 0, which must not pass for a version.
    /// </summary>
    public static bool TryRead(RedisValue value, out long version)
    {
        version = 0;
        return !value.IsNull && value.TryParse(out version);
    }

    // A tag's first use, or its first since an invalidation: one more round trip on that miss only.
    // The key expires after the retention, so tags of long-gone arguments do not pile up; entries under
    // an expired version then miss once, never serve stale.
    private async Task<long> StartAsync(IDatabase database, UInt128 tag)
    {
        long fresh = Random.Shared.NextInt64();
        string key = keys.Tag(tag);
        RedisValue existing;
        try
        {
            existing = Volatile.Read(ref _setAndGetRefused) == 0
                ? await SetAndGetAsync(database, key, fresh).ConfigureAwait(false)
                : await SetThenGetAsync(database, key, fresh).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsWrongType(ex))
        {
            // Garnet answers nil, not WRONGTYPE, to a pipelined GET of a list: the type shows only here.
            return await ReplaceAsync(database, tag).ConfigureAwait(false);
        }
        return existing.IsNull ? fresh : TryRead(existing, out long version) ? version : await ReplaceAsync(database, tag).ConfigureAwait(false);
    }

    // SET NX GET: null when this call set the key, else what the key held.
    private async Task<RedisValue> SetAndGetAsync(IDatabase database, string key, long fresh)
    {
        try
        {
            return await database.StringSetAndGetAsync(key, fresh, retention, keepTtl: false, When.NotExists).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("syntax error", StringComparison.OrdinalIgnoreCase))
        {
            if (Interlocked.Exchange(ref _setAndGetRefused, 1) == 0)
            {
                RedisCacheLog.SetAndGetRefused(logger, ex.Message);
            }
            return await SetThenGetAsync(database, key, fresh).ConfigureAwait(false);
        }
    }

    // The same answer in two commands, for servers before Redis 7.0. A DEL between them (an invalidation) reads as
    // null: the tag starts again with a plain SET, and a fresh version never matches an older entry.
    private async Task<RedisValue> SetThenGetAsync(IDatabase database, string key, long fresh)
    {
        if (await database.StringSetAsync(key, fresh, retention, When.NotExists).ConfigureAwait(false))
        {
            return RedisValue.Null;
        }
        RedisValue existing = await database.StringGetAsync(key).ConfigureAwait(false);
        if (existing.IsNull)
        {
            await database.StringSetAsync(key, fresh, retention).ConfigureAwait(false);
        }
        return existing;
    }

    // The key holds something that is not a version: a plain SET replaces any value of any type with a fresh version.
    private async Task<long> ReplaceAsync(IDatabase database, UInt128 tag)
    {
        string key = keys.Tag(tag);
        RedisCacheLog.TagVersionReplaced(logger, key);
        long fresh = Random.Shared.NextInt64();
        await database.StringSetAsync(key, fresh, retention).ConfigureAwait(false);
        return fresh;
    }

    /// <summary>Whether Redis refused a command because the key holds another type (a list, a hash).</summary>
    public static bool IsWrongType(RedisServerException ex) => ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal);
}
