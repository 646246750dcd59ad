using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ResultCache;

/// <summary>
/// A Redis entry's bytes: for a fail-safe method, when it stops being fresh (Unix milliseconds); for a tagged one, the
/// versions its tags had when it was computed; then the JSON. 8 bytes each, little-endian. A plain method's entry is
/// the JSON alone. A value that does not serialize or deserialize is logged and treated as a miss, never thrown.
/// </summary>
internal sealed class EntryCodec(TimeProvider time, ILogger logger)
{
    /// <summary>The payload to store for <paramref name="ttl"/>, or null when the value does not serialize.</summary>
    public byte[]? Encode<T>(CachedMethod<T> method, T value, TagVersions versions, TimeSpan ttl)
    {
        byte[] json;
        try
        {
            json = JsonSerializer.SerializeToUtf8Bytes(value, method.Json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            CacheMetrics.Error("serialization");
            RedisCacheLog.Unserializable(logger, method.Name, ex);
            return null;
        }
        bool failSafe = method.FailSafe > TimeSpan.Zero;
        int header = ((failSafe ? 1 : 0) + versions.Count) * sizeof(long);
        if (header == 0)
        {
            return json;
        }
        var payload = new byte[header + json.Length];
        Span<byte> next = payload;
        if (failSafe)
        {
            BinaryPrimitives.WriteInt64LittleEndian(next, time.GetUtcNow().Add(ttl).ToUnixTimeMilliseconds());
            next = next[sizeof(long)..];
        }
        for (int i = 0; i < versions.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(next, versions[i]);
            next = next[sizeof(long)..];
        }
        json.CopyTo(next);
        return payload;
    }

    /// <summary>
    /// Reads a stored payload (null: none) against the tags' current <paramref name="versions"/>: a hit, a fail-safe value
    /// past its TTL, or a miss (absent, stored under an invalidated tag version, cut short or unreadable).
    /// </summary>
    public CacheLookup<T> Decode<T>(CachedMethod<T> method, UInt128 key, ReadOnlyMemory<byte>? payload, TagVersions versions)
    {
        var miss = CacheLookup<T>.Miss(versions);
        if (payload is not { } stored || !TryReadHeader(stored.Span, method.FailSafe > TimeSpan.Zero, versions, out long freshUntil, out int header))
        {
            return miss;
        }
        T value;
        try
        {
            value = JsonSerializer.Deserialize(stored.Span[header..], method.Json)!;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            CacheMetrics.Error("serialization");
            RedisCacheLog.Undeserializable(logger, method.Name, key.ToString("x32", CultureInfo.InvariantCulture), ex);
            return miss;
        }
        // Kept past its TTL for fail-safe: a miss that carries the value to fall back on, until the window ends by this
        // process's clock too (Redis expires it by its own).
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return now < freshUntil ? CacheLookup<T>.Hit(value)
            : now < freshUntil + (long)method.FailSafe.TotalMilliseconds ? CacheLookup<T>.Stale(value, versions)
            : miss;
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> payload, bool hasFreshUntil, TagVersions current, out long freshUntil, out int header)
    {
        freshUntil = long.MaxValue;
        int offset = hasFreshUntil ? sizeof(long) : 0;
        header = offset + (current.Count * sizeof(long));
        if (payload.Length < header)
        {
            return false;
        }
        if (hasFreshUntil)
        {
            freshUntil = BinaryPrimitives.ReadInt64LittleEndian(payload);
        }
        for (int i = 0; i < current.Count; i++)
        {
            if (BinaryPrimitives.ReadInt64LittleEndian(payload[(offset + (i * sizeof(long)))..]) != current[i])
            {
                return false; // stored under a tag version that was invalidated since
            }
        }
        return true;
    }
}
