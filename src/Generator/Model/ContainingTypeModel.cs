using ResultCache.Generator.Helpers;

namespace ResultCache.Generator.Model
{
    /// <summary>One enclosing type declaration, such as <c>record struct Inner&lt;T&gt;</c>.</summary>
    internal sealed record ContainingTypeModel(string Keyword, string Name, EquatableArray<string> TypeParameters);
}
