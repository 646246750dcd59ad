using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ResultCache;

/// <summary>
/// Serializes a result straight into pooled memory, after room left for the entry's header: no intermediate array,
/// and no copy to put the header in front. One writer per thread, reused.
/// </summary>
internal sealed class PayloadWriter : IBufferWriter<byte>
{
    private const int InitialBytes = 512;

    [ThreadStatic]
    private static PayloadWriter? t_writer;

    private readonly Utf8JsonWriter _json;
    private byte[] _buffer = [];
    private int _length;

    private PayloadWriter() => _json = new Utf8JsonWriter(this, new JsonWriterOptions { SkipValidation = true });

    /// <summary>The UTF-8 JSON of <paramref name="value"/> after <paramref name="reserved"/> bytes the caller fills.</summary>
    public static RentedBytes Serialize<T>(T value, JsonTypeInfo<T> json, int reserved)
    {
        PayloadWriter writer = t_writer ??= new PayloadWriter();
        writer._buffer = RentedBytes.Rent(reserved + InitialBytes);
        writer._length = reserved;
        try
        {
            // A context with its own encoder (say, relaxed escaping) gets a writer that uses it.
            using Utf8JsonWriter? own = json.Options.Encoder is { } encoder
                ? new Utf8JsonWriter(writer, new JsonWriterOptions { Encoder = encoder, SkipValidation = true })
                : null;
            Utf8JsonWriter target = own ?? writer._json;
            if (own is null)
            {
                target.Reset(writer);
            }
            JsonSerializer.Serialize(target, value, json);
            target.Flush();
            return new RentedBytes(writer._buffer, writer._length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(writer._buffer);
            throw;
        }
        finally
        {
            writer._buffer = [];
        }
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_length);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_length);

    // The buffer, grown first if it lacks room for sizeHint more bytes.
    private byte[] Reserve(int sizeHint)
    {
        int needed = _length + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length)
        {
            byte[] larger = RentedBytes.Rent(Math.Max(needed, _buffer.Length * 2));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        return _buffer;
    }
}
