using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ResultCache;

/// <summary>
/// Binds the <c>ResultCache</c> section by hand: no reflection, so it works under trimming and Native AOT, and every
/// key is known, so a misspelt or malformed one fails the start with its path instead of being ignored.
/// </summary>
internal static class ResultCacheConfiguration
{
    private static readonly string[] s_rootKeys = ["Redis", "Memory", nameof(ResultCacheOptions.UseRegisteredConnectionMultiplexer)];
    private static readonly string[] s_redisKeys =
    [
        nameof(RedisCacheStoreOptions.Configuration), nameof(RedisCacheStoreOptions.KeyPrefix), nameof(RedisCacheStoreOptions.FirstBackoff), nameof(RedisCacheStoreOptions.Backoff),
        nameof(RedisCacheStoreOptions.HealthCheckInterval), nameof(RedisCacheStoreOptions.ConnectTimeout), nameof(RedisCacheStoreOptions.OperationTimeout),
        nameof(RedisCacheStoreOptions.TagRetention), nameof(RedisCacheStoreOptions.CompressAbove), nameof(RedisCacheStoreOptions.MaxEntryBytes),
        nameof(RedisCacheStoreOptions.LeaseTime),
        nameof(RedisCacheStoreOptions.LocalCache), nameof(RedisCacheStoreOptions.OutageCache),
    ];
    private static readonly string[] s_memoryKeys =
        [nameof(MemoryCacheStoreOptions.MaxEntries), nameof(MemoryCacheStoreOptions.MaxBytes), nameof(MemoryCacheStoreOptions.MaxEntryBytes)];
    private static readonly string[] s_localKeys =
        [nameof(LocalCacheOptions.Ttl), nameof(LocalCacheOptions.MaxEntries), nameof(LocalCacheOptions.MaxBytes), nameof(LocalCacheOptions.MaxEntryBytes)];
    private static readonly string[] s_outageKeys =
        [nameof(OutageCacheOptions.Ttl), nameof(OutageCacheOptions.MaxEntries), nameof(OutageCacheOptions.MaxBytes), nameof(OutageCacheOptions.MaxEntryBytes)];

    public static void Bind(IConfiguration section, ResultCacheOptions options)
    {
        RequireKnown(section, s_rootKeys);
        if (section[nameof(ResultCacheOptions.UseRegisteredConnectionMultiplexer)] is { } useRegistered)
        {
            options.UseRegisteredConnectionMultiplexer = Parse<bool>(section, nameof(ResultCacheOptions.UseRegisteredConnectionMultiplexer), useRegistered,
                bool.TryParse, "true or false");
        }

        IConfigurationSection redis = section.GetSection("Redis");
        RequireKnown(redis, s_redisKeys);
        RedisCacheStoreOptions r = options.Redis;
        r.Configuration = redis[nameof(r.Configuration)] ?? r.Configuration;
        r.KeyPrefix = redis[nameof(r.KeyPrefix)] ?? r.KeyPrefix;
        r.FirstBackoff = Duration(redis, nameof(r.FirstBackoff)) ?? r.FirstBackoff;
        r.Backoff = Duration(redis, nameof(r.Backoff)) ?? r.Backoff;
        r.HealthCheckInterval = Duration(redis, nameof(r.HealthCheckInterval)) ?? r.HealthCheckInterval;
        r.ConnectTimeout = Duration(redis, nameof(r.ConnectTimeout)) ?? r.ConnectTimeout;
        r.OperationTimeout = Duration(redis, nameof(r.OperationTimeout)) ?? r.OperationTimeout;
        r.TagRetention = Duration(redis, nameof(r.TagRetention)) ?? r.TagRetention;
        r.MaxEntryBytes = Size(redis, nameof(r.MaxEntryBytes)) ?? r.MaxEntryBytes;
        r.LeaseTime = Duration(redis, nameof(r.LeaseTime)) ?? r.LeaseTime;
        if (redis[nameof(r.CompressAbove)] is { } compressAbove)
        {
            // "off" stores every result uncompressed; otherwise a size, as for the caps.
            r.CompressAbove = compressAbove.Trim().Equals("off", StringComparison.OrdinalIgnoreCase) ? null
                : Parse<int>(redis, nameof(r.CompressAbove), compressAbove, TryParseInt32Size,
                    "a size in bytes such as \"4096\" or \"16KB\", or \"off\"");
        }

        IConfigurationSection local = redis.GetSection(nameof(r.LocalCache));
        RequireKnown(local, s_localKeys);
        if (local.GetChildren().Any())
        {
            r.LocalCache ??= new LocalCacheOptions();
            r.LocalCache.Ttl = Duration(local, nameof(LocalCacheOptions.Ttl)) ?? r.LocalCache.Ttl;
            BindLimits(local, r.LocalCache);
        }

        IConfigurationSection outage = redis.GetSection(nameof(r.OutageCache));
        RequireKnown(outage, s_outageKeys);
        r.OutageCache.Ttl = Duration(outage, nameof(OutageCacheOptions.Ttl)) ?? r.OutageCache.Ttl;
        BindLimits(outage, r.OutageCache);

        IConfigurationSection memory = section.GetSection("Memory");
        RequireKnown(memory, s_memoryKeys);
        BindLimits(memory, options.Memory);
    }

    // The three bounds every in-process layer has, bound alike.
    private static void BindLimits(IConfiguration section, InProcessCacheOptions layer)
    {
        layer.MaxEntries = Count(section, nameof(layer.MaxEntries)) ?? layer.MaxEntries;
        layer.MaxBytes = Size(section, nameof(layer.MaxBytes)) ?? layer.MaxBytes;
        layer.MaxEntryBytes = Size(section, nameof(layer.MaxEntryBytes)) ?? layer.MaxEntryBytes;
    }

    private delegate bool TryParse<T>(string text, out T value);

    // "00:00:30" (a TimeSpan) or "30s", "500ms", "2m", "1h", "7d".
    private static TimeSpan? Duration(IConfiguration section, string key) =>
        section[key] is { } text ? Parse<TimeSpan>(section, key, text, TryParseDuration, "a duration such as \"00:00:30\", \"30s\" or \"500ms\"") : null;

    private static int? Count(IConfiguration section, string key) =>
        section[key] is { } text
            ? Parse(section, key, text, (string t, out int v) => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "a whole number")
            : null;

    // "1048576" (bytes) or "512KB", "256MB", "1.5GB" (powers of 1024).
    private static long? Size(IConfiguration section, string key) =>
        section[key] is { } text ? Parse<long>(section, key, text, TryParseSize, "a size in bytes such as \"1048576\", \"256MB\" or \"1GB\"") : null;

    private static T Parse<T>(IConfiguration section, string key, string text, TryParse<T> tryParse, string expected) =>
        tryParse(text.Trim(), out T value)
            ? value
            : throw new InvalidOperationException($"Configuration value {PathOf(section, key)} = \"{text}\" is not valid: write {expected}.");

    private static bool TryParseInt32Size(string text, out int value)
    {
        bool valid = TryParseSize(text, out long size) && size <= int.MaxValue;
        value = valid ? (int)size : 0;
        return valid;
    }

    private static bool TryParseDuration(string text, out TimeSpan value)
    {
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        (string suffix, double unit)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        foreach ((string suffix, double unit) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double amount))
            {
                value = TimeSpan.FromSeconds(amount * unit);
                return true;
            }
        }
        return false;
    }

    private static bool TryParseSize(string text, out long value)
    {
        (string suffix, long unit)[] units = [("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("B", 1)];
        foreach ((string suffix, long unit) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) && amount > 0)
            {
                value = (long)(amount * unit);
                return true;
            }
        }
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static void RequireKnown(IConfiguration section, string[] known)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"Configuration key {child.Path} is not a ResultCache setting. Known here: {string.Join(", ", known)}.");
            }
        }
    }

    private static string PathOf(IConfiguration section, string key) =>
        section is IConfigurationSection named ? named.Path + ":" + key : key;
}
