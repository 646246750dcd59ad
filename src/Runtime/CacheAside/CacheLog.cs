using Microsoft.Extensions.Logging;

namespace ResultCache;

/// <summary>Log messages of the cache-aside steps. They name the method, never argument or cached values.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(100, LogLevel.Warning, "{Method} failed ({Reason}); fail-safe returned its expired cached value instead.")]
    public static partial void ServedStale(ILogger logger, string method, string reason, Exception exception);

    [LoggerMessage(101, LogLevel.Warning, "A result of {Method} is about {Bytes} bytes, over the in-process cap of {MaxEntryBytes} bytes per entry: it is returned but not kept in process. Raise MaxEntryBytes to keep it. Logged once per method; the cache.too_large counter counts every one.")]
    public static partial void TooLarge(ILogger logger, string method, long bytes, long maxEntryBytes);

    [LoggerMessage(102, LogLevel.Warning, "A background refresh of {Method} failed ({Reason}); the current value stays until its TTL ends, and fail-safe applies after that as usual.")]
    public static partial void RefreshFailed(ILogger logger, string method, string reason, Exception exception);

    [LoggerMessage(103, LogLevel.Warning, "{Method} ran past its {Kind} timeout of {Milliseconds} ms; {Outcome} It goes on in the background and stores its result.")]
    public static partial void TimedOut(ILogger logger, string method, string kind, int milliseconds, string outcome);

    [LoggerMessage(104, LogLevel.Warning, "{Method} failed ({Reason}) in the background, after its callers stopped waiting at a timeout; nothing was stored.")]
    public static partial void BackgroundFailed(ILogger logger, string method, string reason, Exception exception);
}
