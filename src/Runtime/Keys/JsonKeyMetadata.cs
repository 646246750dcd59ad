using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ResultCache;

/// <summary>
/// The JSON metadata of <typeparamref name="T"/> for key arguments written as JSON, kept for the last context asked:
/// an application has one context per type, so after the first call a key pays a reference compare, not a lookup. The
/// generator cannot name the context's typed property itself: another generator writes it, and generators do not see
/// each other's output.
/// </summary>
internal static class JsonKeyMetadata<T>
{
    private static Entry? s_last;

    public static JsonTypeInfo<T> For(JsonSerializerContext context)
    {
        Entry? last = Volatile.Read(ref s_last);
        if (last is not null && ReferenceEquals(last.Context, context))
        {
            return last.Metadata;
        }
        var metadata = context.GetTypeInfo(typeof(T)) as JsonTypeInfo<T> ?? throw new InvalidOperationException(
            $"The cache key needs JSON for {typeof(T)}, but {context.GetType()} does not serialize it. Add [JsonSerializable(typeof({typeof(T).Name}))] to {context.GetType().Name}.");
        Volatile.Write(ref s_last, new Entry(context, metadata));
        return metadata;
    }

    private sealed record Entry(JsonSerializerContext Context, JsonTypeInfo<T> Metadata);
}
