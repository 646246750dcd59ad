namespace ResultCache;

/// <summary>
/// Names the source-generated <c>JsonSerializerContext</c> that serializes cached results (for Redis)
/// and encodes parameters of other types into keys. Put it on the assembly, or on a type to override
/// the assembly's choice for that type's methods. Without it, results are serialized through
/// reflection-based System.Text.Json, which is not safe under trimming or Native AOT.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class CacheSerializerAttribute : Attribute
{
    /// <summary>Uses <paramref name="contextType"/>, a <c>JsonSerializerContext</c> with a static <c>Default</c>.</summary>
    public CacheSerializerAttribute(Type contextType) => ContextType = contextType;

    /// <summary>The <c>JsonSerializerContext</c> type.</summary>
    public Type ContextType { get; }
}
