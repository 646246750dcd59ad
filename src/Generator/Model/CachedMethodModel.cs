using ResultCache.Generator.Helpers;

namespace ResultCache.Generator.Model
{
    /// <summary>How the cached method returns its result.</summary>
    internal enum ReturnShape
    {
        Sync,
        Task,
        ValueTask,
    }

    /// <summary>The accessibility the declaration writes (<see cref="Unwritten"/>: none, so the method is private).</summary>
    internal enum DeclaredAccessibility
    {
        Unwritten,
        Public,
        Internal,
        Protected,
        Private,
        ProtectedInternal,
        PrivateProtected,
    }

    /// <summary>The declaration's other modifiers that its implementation must repeat; <c>static</c> is <see cref="CachedMethodModel.IsStatic"/>.</summary>
    [System.Flags]
    internal enum MethodModifiers
    {
        None = 0,
        New = 1,
        Virtual = 2,
        Override = 4,
        Sealed = 8,
        Unsafe = 16,
        ReadOnly = 32,
    }

    /// <summary>Whether the method returns by reference.</summary>
    internal enum RefReturn
    {
        None,
        Ref,
        RefReadOnly,
    }

    /// <summary>Where the method's store comes from: a <c>CacheStore</c> member of its type, or the process default.</summary>
    internal enum StoreSource
    {
        Default,
        StaticMember,
        InstanceMember,
    }

    /// <summary>
    /// The method of the type that <c>TtlFrom</c> names: static or not, and whether it takes the cached method's
    /// parameters after the result.
    /// </summary>
    internal sealed record TtlFromModel(string Name, bool IsStatic, bool TakesArguments);

    /// <summary>
    /// The batch companion of a method with <c>BatchBy</c>: which parameter it takes many of (by position), the key's
    /// type, the companion's and its core's names, and the companion's name for the many.
    /// </summary>
    internal sealed record BatchModel(int ParameterIndex, string KeyType, string Companion, string CoreName, string Plural);

    /// <summary>
    /// The facts about one cached method that the emitter needs: names, types as written, and choices as enums and
    /// flags. No C# expression is built here; <see cref="Emitter"/> builds them all. Only equatable values, so the
    /// generator's pipeline caches.
    /// </summary>
    internal sealed record CachedMethodModel(
        string? Namespace,
        EquatableArray<ContainingTypeModel> ContainingTypes,
        DeclaredAccessibility Accessibility,
        MethodModifiers Modifiers,
        string Name,
        EquatableArray<TypeParameterModel> TypeParameters,
        RefReturn RefReturn,
        string ReturnType,
        ReturnShape Shape,
        string ResultType,
        bool IsStatic,
        bool UsesPointers,
        EquatableArray<ParameterModel> Parameters,
        string? CancellationTokenParameter,
        int TtlSeconds,
        bool CacheNulls,
        int TtlJitterPercent,
        int FailSafeSeconds,
        bool SingleFlightAcrossInstances,
        int RefreshAheadPercent,
        int SoftTimeoutMilliseconds,
        int HardTimeoutMilliseconds,
        TtlFromModel? TtlFrom,
        BatchModel? Batch,
        EquatableArray<KeyNamePart> KeyName,
        string OverloadId,
        string Signature,
        string? SerializerContext,
        StoreSource Store,
        bool ReceiverInKey,
        EquatableArray<TagModel> Tags,
        bool EmitInvalidator,
        bool InvalidatorHidesInherited,
        bool HasError,
        string ErrorId,
        string HintName);
}
