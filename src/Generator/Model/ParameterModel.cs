namespace ResultCache.Generator.Model
{
    /// <summary>How a parameter goes into the cache key.</summary>
    internal enum KeyEncoding
    {
        /// <summary>Not in the key: a CancellationToken, or marked [CacheKeyIgnore].</summary>
        Ignored,

        /// <summary>A CacheKeyWriter.Write overload (primitives, string, Guid, dates, and their nullable forms).</summary>
        Value,

        /// <summary>CacheKeyWriter.WriteEnum.</summary>
        Enum,

        /// <summary>The type implements ResultCache.ICacheKey.</summary>
        CacheKey,

        /// <summary>Its JSON from the named JsonSerializerContext.</summary>
        Json,
    }

    /// <summary>
    /// One parameter of a cached method. <see cref="Modifier"/> is <c>params </c>, <c>ref </c> (only beside
    /// an error) or empty. For an ordered collection (<see cref="IsCollection"/>), <see cref="Encoding"/> applies to each item.
    /// <see cref="KeyBytes"/> is the most bytes it adds to the key when that is fixed (an int: 4, an int?: 5), else 0.
    /// </summary>
    internal sealed record ParameterModel(
        string Name,
        string Type,
        string Modifier,
        KeyEncoding Encoding,
        bool IsCollection,
        int KeyBytes = 0);
}
