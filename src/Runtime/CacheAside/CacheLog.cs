using Microsoft.Extensions.Logging;

namespace ResultCache;

/// <summary>Log messages of the cache-aside steps. They name the method, never argument or cached values.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(100, LogLevel.Warning, "{Method} failed ({Reason}); fail-safe returned its expired cached value instead.")]
    public static partial void ServedStale(ILogger logger, string method, string reason, Exception exception);

    [LoggerMessage(101, LogLevel.Warning, "A result of {Method} is about {Bytes} bytes, over the in-process cap of {MaxEntryBytes} bytes per entry: it is returned but not kept in process. Raise MaxEntryBytes to keep it. Logged once per method; the cache.too_large counter counts every one.")]
    public static partial void TooLarge(ILogger logger, string method, long bytes, long maxEntryBytes);
}
