using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ResultCache;

/// <summary>
/// A Redis entry's bytes: a checksum of all that follows it (XxHash3, 8 bytes); for a fail-safe method, when it stops
/// being fresh (Unix milliseconds); for a tagged one, the versions its tags had when it was computed (8 bytes each,
/// little-endian); then the JSON, compressed when it is longer than the threshold (<see cref="PayloadCompression"/>).
/// The checksum is what makes a flipped bit or a truncated copy a miss: JSON alone can stay valid (<c>12345</c> cut to
/// <c>123</c>) and read as another value.
/// A value that does not serialize or deserialize is logged and treated as a miss, never thrown; one over the size cap
/// (its JSON or its payload) is counted, logged once per method, and not stored. Reading trusts no byte: any payload,
/// of any length, decodes to the value that was stored or to a logged miss, and allocates at most the cap.
/// </summary>
internal sealed class EntryCodec(TimeProvider time, ILogger logger, int? compressAbove, long maxEntryBytes)
{
    private readonly ConcurrentDictionary<string, bool> _reportedTooLarge = new();

    /// <summary>
    /// The payload to store for <paramref name="ttl"/>, in pooled memory the caller returns once Redis has it, and the
    /// length of its JSON before compression; false when the value does not serialize, or its JSON or payload is over
    /// the cap.
    /// </summary>
    public bool TryEncode<T>(MethodDescription<T> method, T value, TagVersions versions, TimeSpan ttl, out RentedBytes payload, out int jsonBytes)
    {
        jsonBytes = 0;
        int header = Checksum + HeaderLength(method, versions);
        try
        {
            payload = PayloadWriter.Serialize(value, method.Json, header);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            CacheMetrics.Error("serialization");
            RedisCacheLog.Unserializable(logger, method.Name, ex);
            payload = default;
            return false;
        }
        Span<byte> next = payload.Span[Checksum..];
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (method.FramesFreshUntil)
        {
            BinaryPrimitives.WriteInt64LittleEndian(next, now + (long)ttl.TotalMilliseconds);
            next = next[sizeof(long)..];
        }
        if (method.RefreshAheadPercent > 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(next, now + (long)method.RefreshIn(ttl).TotalMilliseconds);
            next = next[sizeof(long)..];
        }
        for (int i = 0; i < versions.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(next, versions[i]);
            next = next[sizeof(long)..];
        }
        jsonBytes = payload.Length - header;
        if (jsonBytes > compressAbove)
        {
            payload = PayloadCompression.Compress(payload, header);
        }
        // The JSON too: a reader decompresses at most the cap, so an entry it could not read is never written.
        if (payload.Length > maxEntryBytes || jsonBytes > maxEntryBytes)
        {
            CacheMetrics.TooLarge(method.Name);
            if (_reportedTooLarge.TryAdd(method.Name, true))
            {
                RedisCacheLog.TooLarge(logger, method.Name, Math.Max(payload.Length, jsonBytes), maxEntryBytes);
            }
            payload.Return();
            return false;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(payload.Span, XxHash3.HashToUInt64(payload.Span[Checksum..]));
        return true;
    }

    /// <summary>
    /// Reads a stored payload (null: none) against the tags' current <paramref name="versions"/>: a hit, a fail-safe value
    /// past its TTL, or a miss (absent, stored under an invalidated tag version, over the cap, cut short, unreadable,
    /// or null for a method that does not cache nulls); and the length of its JSON once decompressed, which weighs the
    /// value in process.
    /// </summary>
    public CacheLookup<T> Decode<T>(MethodDescription<T> method, UInt128 key, ReadOnlyMemory<byte>? payload, TagVersions versions, out int jsonBytes,
        out TimeSpan freshFor)
    {
        jsonBytes = 0;
        freshFor = TimeSpan.MaxValue;
        var miss = CacheLookup<T>.Miss(versions);
        if (payload is not { } stored)
        {
            return miss;
        }
        if (stored.Length > maxEntryBytes)
        {
            CacheMetrics.Error("serialization");
            RedisCacheLog.EntryOverCap(logger, method.Name, Hex(key), maxEntryBytes);
            return miss;
        }
        string? corrupt = stored.Length < Checksum + HeaderLength(method, versions) ? "The entry is shorter than its header."
            : BinaryPrimitives.ReadUInt64LittleEndian(stored.Span) != XxHash3.HashToUInt64(stored.Span[Checksum..]) ? "The entry's checksum does not match its bytes."
            : null;
        if (corrupt is not null)
        {
            CacheMetrics.Error("serialization");
            RedisCacheLog.Undeserializable(logger, method.Name, Hex(key), new JsonException(corrupt));
            return miss;
        }
        if (!TryReadHeader(stored.Span[Checksum..], method, versions, out long freshUntil, out long refreshAt, out int header))
        {
            return miss; // stored under a tag version that was invalidated since
        }
        header += Checksum;
        ReadOnlySpan<byte> body = stored.Span[header..];
        RentedBytes decompressed = default;
        T value;
        try
        {
            if (PayloadCompression.IsCompressed(body))
            {
                body = PayloadCompression.TryDecompress(body, maxEntryBytes, out decompressed) ? decompressed.Span
                    : throw new JsonException("The compressed entry is cut short, corrupt, or declares more JSON than MaxEntryBytes.");
            }
            jsonBytes = body.Length;
            value = JsonSerializer.Deserialize(body, method.Json)!;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Any exception, not only JsonException: a user's converter may throw anything on bytes it never wrote.
            CacheMetrics.Error("serialization");
            RedisCacheLog.Undeserializable(logger, method.Name, Hex(key), ex);
            return miss;
        }
        finally
        {
            if (decompressed.Length > 0)
            {
                decompressed.Return();
            }
        }
        if (value is null && !method.CacheNulls)
        {
            // Written by a build that caches nulls, or by someone else: this method never returns a cached null.
            CacheMetrics.Error("serialization");
            RedisCacheLog.NullStored(logger, method.Name, Hex(key));
            return miss;
        }
        // Kept past its TTL for fail-safe: a miss that carries the value to fall back on, until the window ends by this
        // process's clock too (Redis expires it by its own).
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (method.FramesFreshUntil && now < freshUntil)
        {
            freshFor = TimeSpan.FromMilliseconds(freshUntil - now);
        }
        return now < freshUntil ? CacheLookup<T>.Hit(value, refreshAt == long.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(refreshAt - now))
            : now < freshUntil + (long)method.FailSafe.TotalMilliseconds ? CacheLookup<T>.Stale(value, versions)
            : miss;
    }

    private static string Hex(UInt128 key) => key.ToString("x32", CultureInfo.InvariantCulture);

    private const int Checksum = sizeof(ulong);

    private static int HeaderLength<T>(MethodDescription<T> method, TagVersions versions) =>
        ((method.FramesFreshUntil ? 1 : 0) + (method.RefreshAheadPercent > 0 ? 1 : 0) + versions.Count) * sizeof(long);

    // After the checksum: the fresh-until time, the refresh-ahead time, then the tags' versions, which must be the
    // current ones. The caller has checked that the payload is at least this long.
    private static bool TryReadHeader<T>(ReadOnlySpan<byte> payload, MethodDescription<T> method, TagVersions current, out long freshUntil, out long refreshAt, out int header)
    {
        freshUntil = long.MaxValue;
        refreshAt = long.MaxValue;
        int offset = 0;
        header = HeaderLength(method, current);
        if (method.FramesFreshUntil)
        {
            freshUntil = BinaryPrimitives.ReadInt64LittleEndian(payload);
            offset += sizeof(long);
        }
        if (method.RefreshAheadPercent > 0)
        {
            refreshAt = BinaryPrimitives.ReadInt64LittleEndian(payload[offset..]);
            offset += sizeof(long);
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
