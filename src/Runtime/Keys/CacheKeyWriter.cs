using System.Diagnostics.CodeAnalysis;
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ResultCache;

/// <summary>
/// Encodes a call's arguments into bytes and hashes them with XxHash128. Generated code writes each
/// key parameter in order, then calls <see cref="ToHash"/>. The encoding is fixed-width little-endian,
/// with a length before every variable-length value, so <c>("ab","c")</c> and <c>("a","bc")</c>
/// differ, and so do <c>null</c> and <c>""</c>. It never uses <c>GetHashCode</c>: the same arguments
/// give the same hash in every process, on every machine and .NET version.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public ref struct CacheKeyWriter
{
    /// <summary>Bytes generated code stack-allocates for the key; longer keys move to a pooled array.</summary>
    public const int StackBufferSize = 256;

    private Span<byte> _buffer;
    private byte[]? _rented;
    private int _length;

    /// <summary>Starts a key in <paramref name="buffer"/>, usually <c>stackalloc byte[StackBufferSize]</c>.</summary>
    public CacheKeyWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _rented = null;
        _length = 0;
    }

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> WrittenBytes => _buffer[.._length];

    /// <summary>Hashes the written bytes with <paramref name="seed"/> (the method's identity) and returns any pooled buffer.</summary>
    public UInt128 ToHash(long seed)
    {
        UInt128 hash = XxHash128.HashToUInt128(_buffer[.._length], seed);
        if (_rented is { } rented)
        {
            _rented = null;
            _buffer = default;
            ArrayPool<byte>.Shared.Return(rented);
        }
        return hash;
    }

    /// <summary>Writes a boolean.</summary>
    public void Write(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;
    /// <summary>Writes a byte.</summary>
    public void Write(byte value) => Reserve(1)[0] = value;
    /// <summary>Writes a signed byte.</summary>
    public void Write(sbyte value) => Reserve(1)[0] = unchecked((byte)value);
    /// <summary>Writes a 16-bit integer.</summary>
    public void Write(short value) => BinaryPrimitives.WriteInt16LittleEndian(Reserve(2), value);
    /// <summary>Writes an unsigned 16-bit integer.</summary>
    public void Write(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);
    /// <summary>Writes a character.</summary>
    public void Write(char value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);
    /// <summary>Writes a 32-bit integer.</summary>
    public void Write(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);
    /// <summary>Writes an unsigned 32-bit integer.</summary>
    public void Write(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
    /// <summary>Writes a 64-bit integer.</summary>
    public void Write(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
    /// <summary>Writes an unsigned 64-bit integer.</summary>
    public void Write(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
    /// <summary>Writes a 128-bit integer.</summary>
    public void Write(Int128 value) => Write((UInt128)value);
    /// <summary>Writes an unsigned 128-bit integer.</summary>
    public void Write(UInt128 value)
    {
        Write((ulong)value);
        Write((ulong)(value >> 64));
    }
    /// <summary>Writes a single-precision number by its bits.</summary>
    public void Write(float value) => Write(BitConverter.SingleToInt32Bits(value));
    /// <summary>Writes a double-precision number by its bits.</summary>
    public void Write(double value) => Write(BitConverter.DoubleToInt64Bits(value));
    /// <summary>Writes a decimal by its four parts (so 1.0m and 1.00m are distinct keys).</summary>
    public void Write(decimal value)
    {
        Span<int> parts = stackalloc int[4];
        decimal.GetBits(value, parts);
        foreach (int part in parts)
        {
            Write(part);
        }
    }
    /// <summary>Writes a GUID in its standard little-endian byte layout.</summary>
    public void Write(Guid value) => value.TryWriteBytes(Reserve(16));
    /// <summary>Writes a date and time as ticks plus kind.</summary>
    public void Write(DateTime value)
    {
        Write(value.Ticks);
        Write((byte)value.Kind);
    }
    /// <summary>Writes a date and time with its offset (same instant, other offset: other key).</summary>
    public void Write(DateTimeOffset value)
    {
        Write(value.Ticks);
        Write(value.Offset.Ticks);
    }
    /// <summary>Writes a date by its day number.</summary>
    public void Write(DateOnly value) => Write(value.DayNumber);
    /// <summary>Writes a time of day by its ticks.</summary>
    public void Write(TimeOnly value) => Write(value.Ticks);
    /// <summary>Writes a time span by its ticks.</summary>
    public void Write(TimeSpan value) => Write(value.Ticks);

    /// <summary>Writes a string: its length (-1 for null), then its UTF-16 code units.</summary>
    public void Write(string? value)
    {
        if (value is null)
        {
            Write(-1);
            return;
        }
        Write(value.Length);
        Span<byte> target = Reserve(value.Length * sizeof(char));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(value.AsSpan()).CopyTo(target);
        }
        else
        {
            for (int i = 0; i < value.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(target[(i * 2)..], value[i]);
            }
        }
    }

    /// <summary>Writes an enum by its underlying value.</summary>
    public void WriteEnum<TEnum>(TEnum value) where TEnum : struct, Enum
    {
        // The underlying integer's own bytes (1, 2, 4 or 8): no boxing, no reflection.
        switch (Unsafe.SizeOf<TEnum>())
        {
            case 1: Write(Unsafe.As<TEnum, byte>(ref value)); break;
            case 2: Write(Unsafe.As<TEnum, ushort>(ref value)); break;
            case 4: Write(Unsafe.As<TEnum, uint>(ref value)); break;
            default: Write(Unsafe.As<TEnum, ulong>(ref value)); break;
        }
    }

    /// <summary>Writes a nullable enum.</summary>
    public void WriteEnum<TEnum>(TEnum? value) where TEnum : struct, Enum
    {
        if (WritePresence(value.HasValue))
        {
            WriteEnum(value.GetValueOrDefault());
        }
    }

    /// <summary>Writes a value that encodes itself through <see cref="ICacheKey"/>.</summary>
    public void WriteCacheKey<TKey>(TKey? value) where TKey : ICacheKey
    {
        if (WritePresence(value is not null))
        {
            value!.WriteCacheKey(ref this);
        }
    }

    /// <summary>
    /// Writes a value as its JSON from a source-generated <paramref name="context"/>. The type's metadata is looked up
    /// once per context, and the JSON is written into a buffer the thread reuses: no lookup and no allocation per call.
    /// </summary>
    public void WriteJson<T>(T value, JsonSerializerContext context)
    {
        ReadOnlySpan<byte> json = JsonKeyScratch.Serialize(value, JsonKeyMetadata<T>.For(context));
        Write(json.Length);
        json.CopyTo(Reserve(json.Length));
    }

    // Collections: the count (-1 for null), then generated code writes each item. The null test lives
    // here rather than in generated code, so it does not change the caller's nullable flow state.

    /// <summary>Writes an array's length (-1 for null); returns whether its items follow.</summary>
    public bool WriteCount<T>([NotNullWhen(true)] T[]? items) => WriteCount(items?.Length);
    /// <summary>Writes a list's count (-1 for null); returns whether its items follow.</summary>
    public bool WriteCount<T>([NotNullWhen(true)] List<T>? items) => WriteCount(items?.Count);
    /// <summary>Writes a collection's count (-1 for null); returns whether its items follow.</summary>
    public bool WriteCount<T>([NotNullWhen(true)] IReadOnlyCollection<T>? items) => WriteCount(items?.Count);
    /// <summary>Writes a collection's count (-1 for null); returns whether its items follow.</summary>
    public bool WriteCount<T>([NotNullWhen(true)] ICollection<T>? items) => WriteCount(items?.Count);

    private bool WriteCount(int? count)
    {
        Write(count ?? -1);
        return count.HasValue;
    }

    /// <summary>Writes a nullable boolean.</summary>
    public void Write(bool? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable byte.</summary>
    public void Write(byte? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable signed byte.</summary>
    public void Write(sbyte? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable 16-bit integer.</summary>
    public void Write(short? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable unsigned 16-bit integer.</summary>
    public void Write(ushort? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable character.</summary>
    public void Write(char? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable 32-bit integer.</summary>
    public void Write(int? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable unsigned 32-bit integer.</summary>
    public void Write(uint? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable 64-bit integer.</summary>
    public void Write(long? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable unsigned 64-bit integer.</summary>
    public void Write(ulong? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable 128-bit integer.</summary>
    public void Write(Int128? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable unsigned 128-bit integer.</summary>
    public void Write(UInt128? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable single-precision number.</summary>
    public void Write(float? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable double-precision number.</summary>
    public void Write(double? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable decimal.</summary>
    public void Write(decimal? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable GUID.</summary>
    public void Write(Guid? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable date and time.</summary>
    public void Write(DateTime? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable date and time with offset.</summary>
    public void Write(DateTimeOffset? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable date.</summary>
    public void Write(DateOnly? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable time of day.</summary>
    public void Write(TimeOnly? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }
    /// <summary>Writes a nullable time span.</summary>
    public void Write(TimeSpan? value) { if (WritePresence(value.HasValue)) Write(value.GetValueOrDefault()); }

    private bool WritePresence(bool present)
    {
        Write(present);
        return present;
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Grow(count);
        }
        Span<byte> slot = _buffer.Slice(_length, count);
        _length += count;
        return slot;
    }

    private void Grow(int count)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
        _buffer[.._length].CopyTo(larger);
        if (_rented is { } old)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
        _rented = larger;
        _buffer = larger;
    }
}
