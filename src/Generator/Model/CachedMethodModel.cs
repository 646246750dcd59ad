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

    /// <summary>
    /// Everything the emitter needs about one cached method: strings, bools and enums only, so the pipeline caches.
    /// <see cref="Tags"/> are C# interpolated strings; <see cref="InvalidatorModifiers"/> is null when no Invalidate companion is emitted.
    /// </summary>
    internal sealed record CachedMethodModel(
        string? Namespace,
        EquatableArray<ContainingTypeModel> ContainingTypes,
        string Modifiers,
        string Name,
        string TypeParameters,
        string Constraints,
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
        string KeyNameExpression,
        string Signature,
        string? SerializerContext,
        string StoreExpression,
        bool ReceiverInKey,
        EquatableArray<string> Tags,
        string? InvalidatorModifiers,
        string HintName,
        string? StubForError);
}
