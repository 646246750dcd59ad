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
}
