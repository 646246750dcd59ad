namespace ResultCache;

/// <summary>What the Redis store is doing with Redis.</summary>
public enum RedisStatus
{
    /// <summary>Connected: calls read and write Redis.</summary>
    Available,

    /// <summary>
    /// Gate closed after a fault: no call touches the network; results are kept in process (for at most the outage TTL)
    /// until a probe finds Redis back.
    /// </summary>
    Unavailable,

    /// <summary>A background probe is testing whether Redis is back; calls are served in process meanwhile.</summary>
    Probing,

    /// <summary>The store's first connect, started when it was created, is in flight; a call waits for it, at most the connect timeout.</summary>
    Connecting,
}
