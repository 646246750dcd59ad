using System.Buffers.Binary;

namespace ResultCache;

/// <summary>
/// A Redis entry's value: for a fail-safe method, when it stops being fresh (Unix milliseconds); for a tagged one,
/// the versions its tags had when it was computed; then the JSON. 8 bytes each, little-endian. A plain method's
/// entry is the JSON alone.
/// </summary>
internal static class EntryPayload
{
    public static byte[] Encode(long? freshUntil, TagVersions versions, byte[] json)
    {
        int header = ((freshUntil is null ? 0 : 1) + versions.Count) * sizeof(long);
        if (header == 0)
        {
            return json;
        }
        var payload = new byte[header + json.Length];
        Span<byte> next = payload;
        if (freshUntil is { } until)
        {
            BinaryPrimitives.WriteInt64LittleEndian(next, until);
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
    /// Reads the header, checks the stored versions against <paramref name="current"/>, and leaves only the JSON in
    /// <paramref name="payload"/>. False when the entry was stored under a tag version invalidated since, or is cut short.
    /// </summary>
    public static bool TryDecode(ref ReadOnlySpan<byte> payload, bool hasFreshUntil, TagVersions current, out long freshUntil)
    {
        freshUntil = long.MaxValue;
        int header = ((hasFreshUntil ? 1 : 0) + current.Count) * sizeof(long);
        if (payload.Length < header)
        {
            return false;
        }
        if (hasFreshUntil)
        {
            freshUntil = BinaryPrimitives.ReadInt64LittleEndian(payload);
            payload = payload[sizeof(long)..];
        }
        for (int i = 0; i < current.Count; i++)
        {
            if (BinaryPrimitives.ReadInt64LittleEndian(payload[(i * sizeof(long))..]) != current[i])
            {
                return false;
            }
        }
        payload = payload[(current.Count * sizeof(long))..];
        return true;
    }
}
