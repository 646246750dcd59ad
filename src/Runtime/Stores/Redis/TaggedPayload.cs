using System.Buffers.Binary;

namespace ResultCache;

/// <summary>
/// A tagged entry's value: the versions its tags had when it was computed (8 bytes each, little-endian),
/// then the JSON. An untagged entry is the JSON alone.
/// </summary>
internal static class TaggedPayload
{
    public static byte[] Prepend(TagVersions versions, byte[] json)
    {
        if (versions.Count == 0)
        {
            return json;
        }
        var payload = new byte[(versions.Count * sizeof(long)) + json.Length];
        for (int i = 0; i < versions.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(i * sizeof(long)), versions[i]);
        }
        json.CopyTo(payload.AsSpan(versions.Count * sizeof(long)));
        return payload;
    }

    /// <summary>Checks the stored versions against <paramref name="current"/> and leaves only the JSON in <paramref name="payload"/>.</summary>
    public static bool TryStrip(ref ReadOnlySpan<byte> payload, TagVersions current)
    {
        int header = current.Count * sizeof(long);
        if (payload.Length < header)
        {
            return false;
        }
        for (int i = 0; i < current.Count; i++)
        {
            if (BinaryPrimitives.ReadInt64LittleEndian(payload[(i * sizeof(long))..]) != current[i])
            {
                return false;
            }
        }
        payload = payload[header..];
        return true;
    }
}
