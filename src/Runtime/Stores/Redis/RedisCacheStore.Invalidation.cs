using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>Invalidation: deletes in Redis, remembered while it is unreachable and replayed before the gate reopens.</summary>
public sealed partial class RedisCacheStore
{
    /// <inheritdoc/>
    public override void Invalidate<T>(CachedMethod<T> method, CacheKey key)
    {
        CacheMetrics.Invalidated("entry");
        Delete(KeyFor(method, key.Hash));
    }

    /// <inheritdoc/>
    public override ValueTask InvalidateAsync<T>(CachedMethod<T> method, CacheKey key, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        CacheMetrics.Invalidated("entry");
        return DeleteAsync(KeyFor(method, key.Hash));
    }

    // Invalidating a tag deletes its version key: the next read gives the tag a fresh random version, so
    // every entry stored under an older one misses. One DEL, whatever the number of entries, and DEL
    // still works when Redis is out of memory.
    /// <inheritdoc/>
    public override void InvalidateTagHash(UInt128 tagHash)
    {
        CacheMetrics.Invalidated("tag");
        Delete(TagKeyFor(tagHash));
    }

    /// <inheritdoc/>
    public override ValueTask InvalidateTagHashAsync(UInt128 tagHash, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        CacheMetrics.Invalidated("tag");
        return DeleteAsync(TagKeyFor(tagHash));
    }

    // Invalidations that could not reach Redis are deleted by the probe before it reads, and so before the
    // gate opens: no caller of this process reads an entry it invalidated. If that fails, the gate stays closed.
    private bool ReplayedBeforeProbe(IConnectionMultiplexer connection, Admission admission) =>
        admission != Admission.Probe || _pending.IsEmpty || ReplayAsync(connection, admission).GetAwaiter().GetResult();

    private ValueTask<bool> ReplayedBeforeProbeAsync(IConnectionMultiplexer connection, Admission admission) =>
        admission != Admission.Probe || _pending.IsEmpty ? new ValueTask<bool>(true) : new ValueTask<bool>(ReplayAsync(connection, admission));

    private async Task<bool> ReplayAsync(IConnectionMultiplexer connection, Admission admission)
    {
        string[] keys = _pending.TakeAll();
        try
        {
            IDatabase database = connection.GetDatabase();
            await Task.WhenAll(keys.Select(key => database.KeyDeleteAsync(key))).ConfigureAwait(false);
            RedisCacheLog.InvalidationsReplayed(_logger, keys.Length);
            foreach (string key in keys)
            {
                Announce(connection, key);
            }
            return true;
        }
        catch (Exception ex) when (RedisFaults.IsConnectionFault(ex))
        {
            _pending.Restore(keys);
            OnFailure(connection, admission, ex, null, default);
            return false;
        }
        catch (Exception ex)
        {
            // Redis refused the DEL (an ACL without it, say): retrying cannot help, so it is logged, not kept.
            RedisCacheLog.ServerError(_logger, "(invalidation)", keys.Length.ToString(CultureInfo.InvariantCulture) + " keys", ex);
            return true;
        }
    }

    private void Delete(string redisKey)
    {
        _local?.Evict(redisKey);
        IConnectionMultiplexer? connection = ConnectionForWrite();
        if (connection is null)
        {
            Remember(redisKey);
            return;
        }
        using Activity? activity = CacheActivities.Start("invalidate", null);
        try
        {
            connection.GetDatabase().KeyDelete(redisKey);
            Applied(connection, redisKey);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnInvalidationFailure(connection, redisKey, ex);
        }
    }

    private async ValueTask DeleteAsync(string redisKey)
    {
        _local?.Evict(redisKey);
        IConnectionMultiplexer? connection = ConnectionForWrite();
        if (connection is null)
        {
            Remember(redisKey);
            return;
        }
        using Activity? activity = CacheActivities.Start("invalidate", null);
        try
        {
            await connection.GetDatabase().KeyDeleteAsync(redisKey).ConfigureAwait(false);
            Applied(connection, redisKey);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            OnInvalidationFailure(connection, redisKey, ex);
        }
    }

    private void OnInvalidationFailure(IConnectionMultiplexer connection, string redisKey, Exception ex)
    {
        if (RedisFaults.IsConnectionFault(ex))
        {
            Remember(redisKey);
        }
        OnFailure(connection, Admission.Use, ex, "(invalidation)", default);
    }

    private void Remember(string redisKey)
    {
        if (!_pending.Add(redisKey))
        {
            RedisCacheLog.InvalidationsDropped(_logger, PendingInvalidationCapacity);
        }
        ProbeInBackgroundIfDue();
    }
}
