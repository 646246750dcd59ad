using ResultCache.Generator.Helpers;

namespace ResultCache.Generator.Model
{
    /// <summary>One tag of <c>[CacheResult(Tags = ...)]</c>, as literal text and placeholders.</summary>
    internal sealed record TagModel(EquatableArray<TagPart> Parts);

    /// <summary>Literal text (braces not escaped), or a parameter with an optional format.</summary>
    internal sealed record TagPart(string Text, string? Parameter, string? Format);
}
