using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ResultCache;

/// <summary>
/// Keeps the local layers of every instance coherent: each write and invalidation that reaches Redis is announced on one
/// pub/sub channel, and every other instance evicts what the message names. A message is <c>{instance}|{Redis key}</c>;
/// an instance ignores its own. What a message names is handed to the store: an entry's hash, or a tag's.
/// </summary>
internal sealed class EvictionChannel(string keyPrefix, Action<UInt128> evictEntry, Action<UInt128> evictTag)
{
    private readonly string _tagKeyPrefix = keyPrefix + "tag:";
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public RedisChannel Channel { get; } = RedisChannel.Literal(keyPrefix + "evictions");

    public void Subscribe(IConnectionMultiplexer connection, ILogger logger)
    {
        try
        {
            connection.GetSubscriber().Subscribe(Channel, (_, message) => OnMessage(message));
        }
        catch (Exception ex)
        {
            RedisCacheLog.ServerError(logger, "(subscribe)", Channel.ToString(), ex);
        }
    }

    public void Announce(IConnectionMultiplexer connection, string redisKey) =>
        connection.GetSubscriber().Publish(Channel, _instance + "|" + redisKey, CommandFlags.FireAndForget);

    private void OnMessage(RedisValue message)
    {
        string? text = message;
        int separator = text?.IndexOf('|') ?? -1;
        if (separator > 0 && !text.AsSpan(0, separator).SequenceEqual(_instance))
        {
            Evict(text.AsSpan(separator + 1));
        }
    }

    // A tag's version key names a tag; any other key ends with the 32 hex digits of the entry's argument hash.
    private void Evict(ReadOnlySpan<char> redisKey)
    {
        if (redisKey.StartsWith(_tagKeyPrefix, StringComparison.Ordinal))
        {
            if (TryParseHash(redisKey[_tagKeyPrefix.Length..], out UInt128 tag))
            {
                evictTag(tag);
            }
        }
        else if (redisKey.Length >= 32 && TryParseHash(redisKey[^32..], out UInt128 hash))
        {
            evictEntry(hash);
        }
    }

    private static bool TryParseHash(ReadOnlySpan<char> hex, out UInt128 hash) =>
        UInt128.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out hash);
}
