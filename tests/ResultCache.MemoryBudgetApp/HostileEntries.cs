using System.Buffers.Binary;
using System.IO.Hashing;

namespace ResultCache.Testing;

// Compiled into the tests and into the hostile-Redis run alike: what no build of the library writes, shaped as it writes.

/// <summary>Entries a hostile (or merely unlucky) neighbour can leave in Redis.</summary>
public static class HostileEntries
{
    /// <summary>The compressed frame (marker 0x01, the JSON's declared length, a block) around bytes that are no LZ4 block.</summary>
    public static byte[] Compressed(int declared, int block)
    {
        byte[] bytes = new byte[5 + block];
        bytes[0] = 0x01;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), declared);
        Random.Shared.NextBytes(bytes.AsSpan(5));
        return bytes;
    }

    /// <summary>Any body behind a valid checksum, as the library frames an entry: what decoding does past the checksum.</summary>
    public static byte[] WithChecksum(ReadOnlySpan<byte> body)
    {
        byte[] payload = new byte[8 + body.Length];
        body.CopyTo(payload.AsSpan(8));
        BinaryPrimitives.WriteUInt64LittleEndian(payload, XxHash3.HashToUInt64(body));
        return payload;
    }
}
