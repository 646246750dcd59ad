using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ResultCache;

/// <summary>
/// Where a key argument's JSON is written before it is copied into the key: one buffer and one writer per thread,
/// reused, so writing a key allocates nothing. A buffer grown past <see cref="KeptBytes"/> by a large argument is let go
/// after use, so one large key does not stay in every thread.
/// </summary>
internal static class JsonKeyScratch
{
    private const int KeptBytes = 16 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static JsonSerializerOptions? t_writerOptions; // the options t_writer was made for

    /// <summary>The JSON of <paramref name="value"/>; valid until this thread's next call.</summary>
    public static ReadOnlySpan<byte> Serialize<T>(T value, JsonTypeInfo<T> metadata)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        Utf8JsonWriter? writer = t_writer;
        if (writer is null || !ReferenceEquals(t_writerOptions, metadata.Options))
        {
            writer = t_writer = new Utf8JsonWriter(buffer, WriterOptions(metadata.Options));
            t_writerOptions = metadata.Options;
        }
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, value, metadata);
        writer.Flush();
        ReadOnlySpan<byte> json = buffer.WrittenSpan;
        if (buffer.Capacity > KeptBytes)
        {
            t_buffer = null; // the span stays valid: the array is only no longer kept for the next call
        }
        return json;
    }

    // The bytes must be those the serializer writes on its own (a key written by an older version must match), so the
    // writer takes the context's own layout and escaping.
    private static JsonWriterOptions WriterOptions(JsonSerializerOptions options) => new()
    {
        Encoder = options.Encoder,
        Indented = options.WriteIndented,
#if NET9_0_OR_GREATER
        IndentCharacter = options.IndentCharacter,
        IndentSize = options.IndentSize,
        NewLine = options.NewLine,
#endif
        MaxDepth = options.MaxDepth,
        SkipValidation = true,
    };
}
