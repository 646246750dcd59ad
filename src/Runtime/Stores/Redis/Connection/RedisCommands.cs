using System.Diagnostics;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Runs every Redis command of the Redis layer (the store's reads, writes and deletes, and the lease's): its span, the
/// classification of a fault, and the outcome reported to the connection, whose gate a fault closes. A fault is
/// returned as an outcome, never thrown.
/// </summary>
internal sealed class RedisCommands(RedisConnection connection)
{
    /// <summary>Runs a command on a connection's database; a fault is its outcome, and closes the gate.</summary>
    /// <param name="multiplexer">The connection the caller was admitted with.</param>
    /// <param name="operation">The span's name and the fault's label: get, set, lease, release, invalidate.</param>
    /// <param name="method">The cached method, for the span and the log; null for a command of no one method.</param>
    /// <param name="key">The entry's hash, for the log; default when there is none.</param>
    /// <param name="route">The Redis key the command names (the first, for several): on a cluster, a fault closes the gate of its node.</param>
    /// <param name="state">What the command needs, passed to it without a closure.</param>
    /// <param name="command">The command, synchronous or not as <paramref name="sync"/> says.</param>
    /// <param name="sync">Whether the caller blocks: the command then uses the client's synchronous call.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(RedisOutcome Outcome, TResult Value)> RunAsync<TState, TResult>(IConnectionMultiplexer multiplexer, string operation,
        string? method, UInt128 key, RedisKey route, TState state, Func<IDatabase, TState, bool, ValueTask<TResult>> command, bool sync)
    {
        using Activity? activity = CacheActivities.Start(operation, method);
        try
        {
            TResult value = await command(multiplexer.GetDatabase(), state, sync).ConfigureAwait(false);
            if (activity is not null && operation == "get")
            {
                activity.SetTag("cache.hit", value is not null); // a read's span says whether it found an entry
            }
            connection.Succeeded();
            return (RedisOutcome.Done, value);
        }
        catch (Exception ex)
        {
            CacheActivities.Fail(activity, ex);
            return (connection.Failed(multiplexer, ex, method ?? "(" + operation + ")", key, route), default!);
        }
    }
}
