namespace ResultCache;

/// <summary>How a Redis command ended.</summary>
internal enum RedisOutcome
{
    /// <summary>It succeeded.</summary>
    Done,

    /// <summary>Redis answered with an error: the link is fine.</summary>
    Refused,

    /// <summary>The link failed: the gate is closed.</summary>
    Unreachable,
}
