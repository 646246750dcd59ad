namespace ResultCache.Generator.Model
{
    /// <summary>
    /// A piece of the readable method part of the key, <c>Ns.Outer&lt;T&gt;.Method</c>: literal text, or a type
    /// parameter of a containing type, written as the closed type at run time so that <c>Outer&lt;int&gt;</c> and
    /// <c>Outer&lt;string&gt;</c> never share entries.
    /// </summary>
    internal sealed record KeyNamePart(string Text, bool IsTypeParameter);
}
