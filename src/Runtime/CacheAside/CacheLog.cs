using Microsoft.Extensions.Logging;

namespace ResultCache;

/// <summary>Log messages of the cache-aside steps. They name the method, never argument or cached values.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(100, LogLevel.Warning, "{Method} failed ({Reason}); fail-safe returned its expired cached value instead.")]
    public static partial void ServedStale(ILogger logger, string method, string reason, Exception exception);
}
