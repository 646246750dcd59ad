using System.Globalization;

namespace ResultCache;

/// <summary>
/// How one store names its Redis keys, under its key prefix: <c>{prefix}{Method}:{signature}:{hash}</c> for an entry,
/// the entry's key plus <c>:lease</c> for its lease, <c>{prefix}tag:{hash}</c> for a tag's version.
/// </summary>
internal readonly struct RedisKeys(string prefix)
{
    public string Prefix => prefix;

    /// <summary>The entry of a method (its <see cref="MethodDescription{T}.KeyPrefix"/>) for the argument hash <paramref name="key"/>.</summary>
    public string Entry(string methodPrefix, UInt128 key) =>
        string.Create(prefix.Length + methodPrefix.Length + 32, (prefix, methodPrefix, key), static (span, state) =>
        {
            state.prefix.CopyTo(span);
            state.methodPrefix.CopyTo(span[state.prefix.Length..]);
            state.key.TryFormat(span[(state.prefix.Length + state.methodPrefix.Length)..], out _, "x32", CultureInfo.InvariantCulture);
        });

    /// <summary>The lease of an entry (single flight across instances).</summary>
    public string Lease(string methodPrefix, UInt128 key) => Entry(methodPrefix, key) + ":lease";

    /// <summary>The current version of the tag with hash <paramref name="tagHash"/>.</summary>
    public string Tag(UInt128 tagHash) => prefix + "tag:" + tagHash.ToString("x32", CultureInfo.InvariantCulture);
}
