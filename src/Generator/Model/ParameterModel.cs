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

    /// <summary>How a parameter is passed, as its declaration says.</summary>
    internal enum ParameterKind
    {
        Value,
        Params,

        /// <summary>The passing modes below come only with an error (RC0004): the key cannot hold them.</summary>
        Ref,
        Out,
        In,
        RefReadOnly,
    }

    /// <summary>
    /// One parameter of a cached method. For an ordered collection (<see cref="IsCollection"/>), <see cref="Encoding"/> applies to each item.
    /// <see cref="KeyBytes"/> is the most bytes it adds to the key when that is fixed (an int: 4, an int?: 5), else 0.
    /// </summary>
    internal sealed record ParameterModel(
        string Name,
        string Type,
        ParameterKind Kind,
        KeyEncoding Encoding,
        bool IsCollection,
        int KeyBytes = 0,
        string? DefaultValue = null);
}
