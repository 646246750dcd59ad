using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ResultCache;

/// <summary>
/// Estimates the memory a result held as an object takes, once, when it is stored after a miss; a hit costs nothing.
/// The estimate is twice the length of its UTF-8 JSON plus the entry's own bookkeeping: text held as UTF-16 takes
/// twice its UTF-8 length, and objects add headers and references that JSON leaves out. The JSON is counted, not kept:
/// it is written into a reused scratch buffer. The one weighing rule of every in-process layer: the local layer, which
/// has the JSON from Redis already, weighs it with <see cref="OfJson"/>.
/// </summary>
internal sealed class EntrySize : IBufferWriter<byte>
{
    /// <summary>The entry object, its dictionary node and its place in the policy lists.</summary>
    public const int Overhead = 128;

    private const int ScratchBytes = 4096;

    [ThreadStatic]
    private static EntrySize? t_meter;

    private readonly byte[] _scratch = new byte[ScratchBytes];
    private readonly Utf8JsonWriter _writer;
    private byte[]? _rented;   // a large value's span, returned when the count is done
    private long _written;

    private EntrySize() => _writer = new Utf8JsonWriter(this, new JsonWriterOptions { SkipValidation = true });

    /// <summary>
    /// The size to keep <paramref name="value"/> under: a number, <see cref="bool"/>, <see cref="char"/>,
    /// <see cref="Guid"/>, date or time (nullable or not) weighs as the longest JSON of its type, with no serializing
    /// on a miss; anything else is estimated from its JSON.
    /// </summary>
    public static long Of<T>(T value, JsonTypeInfo<T> json) => LongestJson<T>.Bytes is int longest ? OfJson(longest) : Estimate(value, json);

    /// <summary>The estimated size of <paramref name="value"/> in bytes; if it cannot be serialized, the overhead alone.</summary>
    public static long Estimate<T>(T value, JsonTypeInfo<T> json)
    {
        EntrySize meter = t_meter ??= new EntrySize();
        meter._written = 0;
        try
        {
            meter._writer.Reset(meter);
            JsonSerializer.Serialize(meter._writer, value, json);
            meter._writer.Flush();
            return OfJson(meter._written);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return Overhead; // the value is still cached; only its weight is unknown
        }
        finally
        {
            meter.ReturnRented();
        }
    }

    // The longest JSON the serializer writes for a value of T by default (a minus sign, every digit, quotes); null when
    // unbounded. Checked once per type.
    private static class LongestJson<T>
    {
        public static readonly int? Bytes = Of(Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));

        private static int? Of(Type type) =>
            type == typeof(bool) ? 5 : type == typeof(byte) ? 3 : type == typeof(sbyte) ? 4 : type == typeof(short) ? 6
            : type == typeof(ushort) ? 5 : type == typeof(int) ? 11 : type == typeof(uint) ? 10 : type == typeof(long) ? 20
            : type == typeof(ulong) ? 20 : type == typeof(float) ? 16 : type == typeof(double) ? 24 : type == typeof(decimal) ? 31
            : type == typeof(char) ? 8 : type == typeof(Guid) ? 38 : type == typeof(DateTime) ? 35 : type == typeof(DateTimeOffset) ? 35
            : type == typeof(TimeSpan) ? 28 : type == typeof(DateOnly) ? 12 : type == typeof(TimeOnly) ? 18
            : null;
    }

    /// <summary>The estimate for a result whose JSON is <paramref name="jsonBytes"/> long.</summary>
    public static long OfJson(long jsonBytes) => Overhead + (2 * jsonBytes);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint);

    private byte[] Scratch(int sizeHint)
    {
        if (sizeHint <= ScratchBytes)
        {
            return _scratch;
        }
        if (_rented is null || _rented.Length < sizeHint)
        {
            ReturnRented();
            _rented = ArrayPool<byte>.Shared.Rent(sizeHint);
        }
        return _rented;
    }

    private void ReturnRented()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
