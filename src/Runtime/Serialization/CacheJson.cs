using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ResultCache.CompilerServices;

/// <summary>Finds the <see cref="JsonTypeInfo{T}"/> that serializes a cached result. Called once per cached method.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public static class CacheJson
{
    /// <summary>The type info for <typeparamref name="T"/> from a source-generated context: no reflection, Native-AOT safe.</summary>
    /// <exception cref="InvalidOperationException">The context does not serialize <typeparamref name="T"/>.</exception>
    public static JsonTypeInfo<T> From<T>(JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
            ?? throw new InvalidOperationException(
                $"{context.GetType().FullName} cannot serialize {typeof(T)}, the result of a [CacheResult] method. " +
                $"Add [JsonSerializable(typeof({typeof(T).Name}))] to {context.GetType().Name}.");
    }

    /// <summary>
    /// The reflection-based type info for <typeparamref name="T"/>, used when no <see cref="CacheSerializerAttribute"/>
    /// names a context. It works under the JIT but not under trimming or Native AOT.
    /// </summary>
    [RequiresUnreferencedCode("Reflection-based JSON. Name a JsonSerializerContext with [assembly: ResultCache.CacheSerializer(typeof(...))].")]
    [RequiresDynamicCode("Reflection-based JSON. Name a JsonSerializerContext with [assembly: ResultCache.CacheSerializer(typeof(...))].")]
    public static JsonTypeInfo<T> Reflection<T>()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        };
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }
}
