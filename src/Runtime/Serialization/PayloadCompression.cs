using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace ResultCache;

/// <summary>
/// The compressed form of an entry's JSON: a marker byte, the JSON's length (4 bytes, little-endian), then one LZ4
/// block. JSON never starts with a control character, so an entry stored as plain JSON (every entry before
/// compression, and every small one since) reads as it always did. LZ4, because a hit pays for decompression and
/// LZ4 decodes several times faster than Brotli or Deflate (docs/benchmarks.md, section 8).
/// </summary>
internal static class PayloadCompression
{
    public const byte Marker = 0x01;
    private const int Prefix = 1 + sizeof(int);

    // LZ4 cannot expand a block more than this; a declared length past it is a corrupt entry, not a large one.
    private const int MaxRatio = 255;

    /// <summary>
    /// <paramref name="payload"/> with the JSON after its <paramref name="header"/> bytes compressed, or the payload
    /// itself when compression would not make it smaller. Whichever is not returned goes back to the pool.
    /// </summary>
    public static RentedBytes Compress(RentedBytes payload, int header)
    {
        ReadOnlySpan<byte> json = payload.Span[header..];
        byte[] target = RentedBytes.Rent(header + Prefix + LZ4Codec.MaximumOutputSize(json.Length));
        int compressed = LZ4Codec.Encode(json, target.AsSpan(header + Prefix), LZ4Level.L00_FAST);
        var result = new RentedBytes(target, header + Prefix + compressed);
        if (compressed <= 0 || result.Length >= payload.Length)
        {
            result.Return();
            return payload;
        }
        payload.Span[..header].CopyTo(target);
        target[header] = Marker;
        BinaryPrimitives.WriteInt32LittleEndian(target.AsSpan(header + 1), json.Length);
        payload.Return();
        return result;
    }

    public static bool IsCompressed(ReadOnlySpan<byte> body) => body.Length > 0 && body[0] == Marker;

    /// <summary>
    /// The JSON of a compressed <paramref name="body"/> in pooled memory; false when the block is cut short or corrupt,
    /// or declares more than <paramref name="maxLength"/> bytes of JSON. Checked before anything is allocated.
    /// </summary>
    public static bool TryDecompress(ReadOnlySpan<byte> body, long maxLength, out RentedBytes json)
    {
        json = default;
        if (body.Length < Prefix)
        {
            return false;
        }
        int length = BinaryPrimitives.ReadInt32LittleEndian(body[1..]);
        ReadOnlySpan<byte> block = body[Prefix..];
        if (length <= 0 || length > maxLength || length > (long)block.Length * MaxRatio)
        {
            return false;
        }
        var target = new RentedBytes(RentedBytes.Rent(length), length);
        if (LZ4Codec.Decode(block, target.Span) != length)
        {
            target.Return();
            return false;
        }
        json = target;
        return true;
    }
}
