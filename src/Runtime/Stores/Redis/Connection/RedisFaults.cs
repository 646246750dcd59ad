using System.Net.Sockets;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>Sorts Redis exceptions into the ones that mean "the connection is bad" and the rest.</summary>
internal static class RedisFaults
{
    /// <summary>
    /// A fault of the link, not of the command: close the gate and reset the connection.
    /// RedisTimeoutException derives from System.TimeoutException, not RedisException, so both families are named.
    /// </summary>
    public static bool IsConnectionFault(Exception ex) => ex is
        RedisConnectionException or
        TimeoutException or
        SocketException or
        IOException or
        ObjectDisposedException;

    /// <summary>
    /// Redis answered, but cannot serve keys now: a cluster missing a master for some slots (CLUSTERDOWN, every node
    /// says so while full coverage is required), a replica whose master is gone (MASTERDOWN), a server loading its data
    /// (LOADING), a primary demoted to replica that refuses writes (READONLY). Like a fault of the link it closes the
    /// gate of the keys it covers: served in process under single flight, not a miss per call that runs ...Core and
    /// logs an error.
    /// </summary>
    public static bool IsUnavailable(Exception ex) => ex is RedisServerException { Message: { } message } &&
        (message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) ||
         message.StartsWith("MASTERDOWN", StringComparison.Ordinal) ||
         message.StartsWith("LOADING", StringComparison.Ordinal) ||
         message.StartsWith("READONLY", StringComparison.Ordinal));
}
