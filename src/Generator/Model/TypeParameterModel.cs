using ResultCache.Generator.Helpers;

namespace ResultCache.Generator.Model
{
    /// <summary>A type parameter of the method and its constraints as written (<c>class</c>, <c>new()</c>, a type).</summary>
    internal sealed record TypeParameterModel(string Name, EquatableArray<string> Constraints);
}
