using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Single flight across instances: on a Redis miss of a method that computes once across instances, one instance takes
/// the key's lease and computes; the others wait for the value it stores, and take over if it fails, dies or runs past
/// the lease.
/// </summary>
/// <remarks>
/// The lease is one key beside the entry, taken with SET NX PX and given back only by its holder's token: a single
/// key per command, so it works on a cluster. Waiting is a bounded backoff of reads, not a subscription: nothing is
/// kept per key between polls, a lost message cannot strand a waiter, and a waiting instance makes at most two round
/// trips per poll (its in-process callers share its wait). Any Redis fault ends the wait: compute here.
/// </remarks>
internal sealed class FleetLease(RedisConnection redis, RedisCommands commands, RedisKeys keys, TimeSpan leaseTime, TimeProvider time, ILogger logger)
{
    private int _scriptsRefused; // 1 once Redis refused the release script: leases then end by their expiry

    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

    // The backoff of a waiting instance: quick at first (a short ...Core), then no more than five reads a second.
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LastPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Takes the key's lease, or waits for its holder's value: compute here (no lease, or Redis unavailable), compute
    /// under the lease, or the value another instance stored. <paramref name="store"/> reads the entry as it waits; for
    /// a refresh, a value still due for refresh is not another instance's. With <paramref name="wait"/> off, a lease held
    /// by another instance is answered at once with <see cref="FleetClaim{T}.Busy"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FleetClaim<T>> ClaimAsync<T>(CacheStore store, MethodDescription<T> method, CacheKey key, bool sync, CancellationToken cancellationToken,
        bool refreshing = false, bool wait = true)
    {
        string leaseKey = keys.Lease(method.KeyPrefix, key.Hash);
        string token = Guid.NewGuid().ToString("N");
        long started = time.GetTimestamp();
        RedisValue holder = RedisValue.Null;
        TimeSpan pause = FirstPoll;
        bool cleared = false;
        // Waited: this instance slept on another's lease at least once; a lease taken after that is a takeover.
        for (bool waited = false; ; )
        {
            if (redis.ForWrite(leaseKey) is not { } connection)
            {
                return FleetClaim<T>.ComputeHere;
            }
            (RedisOutcome outcome, bool taken) = await commands.RunAsync(connection, "lease", method.Name, key.Hash, leaseKey, (leaseKey, token, LeaseTime: leaseTime),
                static (database, s, sync) => sync
                    ? new ValueTask<bool>(database.LockTake(s.leaseKey, s.token, s.LeaseTime))
                    : new ValueTask<bool>(database.LockTakeAsync(s.leaseKey, s.token, s.LeaseTime)), sync).ConfigureAwait(false);
            if (outcome != RedisOutcome.Done)
            {
                return FleetClaim<T>.ComputeHere;
            }
            if (taken)
            {
                // Another instance may have stored the value and given the lease back since this one's last read: one
                // more read, so a lease taken just after a value was stored never computes it twice.
                CacheLookup<T> stored = await store.ReadAsync(method, key, sync, refreshing).ConfigureAwait(false);
                if (stored.Found)
                {
                    await ReleaseAsync(method, FleetClaim<T>.Leader(leaseKey, token), sync).ConfigureAwait(false);
                    CacheMetrics.Lease(method.Name, "follower");
                    return FleetClaim<T>.FromAnotherInstance(stored.Value);
                }
                CacheMetrics.Lease(method.Name, waited ? "takeover" : "leader");
                if (waited)
                {
                    RedisCacheLog.LeaseTakenOver(logger, method.Name, time.GetElapsedTime(started));
                }
                return FleetClaim<T>.Leader(leaseKey, token);
            }
            if (!wait)
            {
                return FleetClaim<T>.Busy; // a batch holding other leases never waits on one: two batches could wait on each other
            }
            // Each holder gets the whole lease time: when another waiter took over, wait for that one afresh.
            (outcome, RedisValue currentHolder) = await commands.RunAsync(connection, "lease", method.Name, key.Hash, leaseKey, leaseKey,
                static (database, k, sync) => sync ? new ValueTask<RedisValue>(database.LockQuery(k)) : new ValueTask<RedisValue>(database.LockQueryAsync(k)), sync).ConfigureAwait(false);
            if (outcome == RedisOutcome.Unreachable)
            {
                return FleetClaim<T>.ComputeHere;
            }
            if (outcome == RedisOutcome.Refused || !IsToken(currentHolder))
            {
                // Another Redis type, or a value no instance wrote: no holder will ever give it back, so it goes, once.
                if (cleared || !await DeleteForeignLeaseAsync(connection, method.Name, leaseKey, RedisValue.Null, sync).ConfigureAwait(false))
                {
                    return FleetClaim<T>.ComputeHere;
                }
                cleared = true;
                continue;
            }
            if (currentHolder != holder)
            {
                (holder, started) = (currentHolder, time.GetTimestamp());
            }
            TimeSpan waitedSoFar = time.GetElapsedTime(started);
            if (waitedSoFar >= leaseTime)
            {
                CacheMetrics.Lease(method.Name, "takeover");
                RedisCacheLog.LeaseWaitEnded(logger, method.Name, waitedSoFar);
                // Every lease is set with an expiry: one without has no holder to give it back, and would stall every miss
                // of this key. It goes by its token, so a lease taken by another instance meanwhile stays.
                (outcome, TimeSpan? expiry) = await commands.RunAsync(connection, "lease", method.Name, key.Hash, leaseKey, leaseKey,
                    static (database, k, sync) => sync ? new ValueTask<TimeSpan?>(database.KeyTimeToLive(k)) : new ValueTask<TimeSpan?>(database.KeyTimeToLiveAsync(k)), sync)
                    .ConfigureAwait(false);
                if (outcome == RedisOutcome.Done && expiry is null)
                {
                    await DeleteForeignLeaseAsync(connection, method.Name, leaseKey, holder, sync).ConfigureAwait(false);
                }
                return FleetClaim<T>.ComputeHere; // the holder is alive but slower than the lease: stop waiting
            }
            if (sync)
            {
                Task.Delay(pause, time, cancellationToken).GetAwaiter().GetResult();
            }
            else
            {
                await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
            }
            waited = true;
            pause = pause * 2 < LastPoll ? pause * 2 : LastPoll;
            // The holder stores the value, then gives the lease back: the value is looked for before the lease.
            CacheLookup<T> read = await store.ReadAsync(method, key, sync, refreshing).ConfigureAwait(false);
            if (read.Found)
            {
                CacheMetrics.Lease(method.Name, "follower");
                return FleetClaim<T>.FromAnotherInstance(read.Value);
            }
            if (!read.ReachedRedis)
            {
                return FleetClaim<T>.ComputeHere;
            }
        }
    }

    /// <summary>
    /// Gives back a lease taken by <see cref="ClaimAsync"/>, once its value is stored or its computation failed. Where
    /// Redis refuses scripts (Garnet's default, an ACL without EVAL), leases end by their expiry instead: a waiter reads
    /// the value as soon as it is stored, and takes over within <c>LeaseTime</c> if the holder failed. One warning says so.
    /// </summary>
    public async ValueTask ReleaseAsync<T>(MethodDescription<T> method, FleetClaim<T> claim, bool sync)
    {
        if (Volatile.Read(ref _scriptsRefused) == 1 || redis.ForWrite(claim.LeaseKey!) is not { } connection)
        {
            return;
        }
        // One script on one key: deleted only while it still holds this holder's token, so a lease that expired and
        // was taken over is never given back by its old holder.
        (RedisOutcome outcome, string? refusal) = await commands.RunAsync(connection, "release", method.Name, default, claim.LeaseKey,
            (LeaseKey: (RedisKey)claim.LeaseKey!, Token: (RedisValue)claim.Token!), static async (database, s, sync) =>
            {
                try
                {
                    _ = sync ? database.ScriptEvaluate(ReleaseScript, [s.LeaseKey], [s.Token])
                        : await database.ScriptEvaluateAsync(ReleaseScript, [s.LeaseKey], [s.Token]).ConfigureAwait(false);
                    return (string?)null;
                }
                catch (RedisServerException ex) when (IsScriptRefusal(ex))
                {
                    return ex.Message; // not a fault of the connection: scripts are off here, for good
                }
            }, sync).ConfigureAwait(false);
        if (outcome == RedisOutcome.Done && refusal is not null && Interlocked.Exchange(ref _scriptsRefused, 1) == 0)
        {
            RedisCacheLog.ScriptsRefused(logger, refusal, leaseTime);
        }
    }

    // Lua off (Garnet without --lua true), EVAL or EVALSHA denied by an ACL, or no scripting at all.
    private static bool IsScriptRefusal(RedisServerException ex) =>
        ex.Message.Contains("scripting", StringComparison.OrdinalIgnoreCase) ||
        (ex.Message.StartsWith("NOPERM", StringComparison.Ordinal) && ex.Message.Contains("eval", StringComparison.OrdinalIgnoreCase)) ||
        ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase);

    // Deletes a lease key that is not a lease: by its token (the release script) when it holds one, else with a plain
    // DEL, which removes a key of any Redis type. Returns whether Redis answered.
    private async ValueTask<bool> DeleteForeignLeaseAsync(IConnectionMultiplexer connection, string method, string leaseKey, RedisValue token, bool sync)
    {
        RedisCacheLog.ForeignLease(logger, leaseKey);
        if (token.IsNull)
        {
            return (await commands.RunAsync(connection, "lease", method, default, leaseKey, leaseKey,
                static (database, k, sync) => sync ? new ValueTask<bool>(database.KeyDelete(k)) : new ValueTask<bool>(database.KeyDeleteAsync(k)), sync)
                .ConfigureAwait(false)).Outcome == RedisOutcome.Done;
        }
        return (await commands.RunAsync(connection, "lease", method, default, leaseKey, (LeaseKey: (RedisKey)leaseKey, Token: token),
            static (database, s, sync) => sync
                ? new ValueTask<RedisResult>(database.ScriptEvaluate(ReleaseScript, [s.LeaseKey], [s.Token]))
                : new ValueTask<RedisResult>(database.ScriptEvaluateAsync(ReleaseScript, [s.LeaseKey], [s.Token])), sync).ConfigureAwait(false)).Outcome == RedisOutcome.Done;
    }

    // Tokens are a Guid's 32 hex digits; no holder at all (the lease was just given back) is not foreign either.
    private static bool IsToken(RedisValue holder) =>
        holder.IsNull || (holder.ToString() is { Length: 32 } text && text.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0);
}
