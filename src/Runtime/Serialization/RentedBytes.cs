using System.Buffers;

namespace ResultCache;

/// <summary>Bytes in an array rented from the shared pool; whoever holds them last returns them, once.</summary>
internal readonly struct RentedBytes(byte[] array, int length)
{
    public int Length => length;

    public Span<byte> Span => array.AsSpan(0, length);

    public ReadOnlyMemory<byte> Memory => array.AsMemory(0, length);

    public static byte[] Rent(int minimumLength) => ArrayPool<byte>.Shared.Rent(minimumLength);

    public void Return() => ArrayPool<byte>.Shared.Return(array);
}
