using Microsoft.CodeAnalysis;

namespace ResultCache.Generator
{
    /// <summary>Every diagnostic ResultCache reports. Each message says what to write instead.</summary>
    internal static class Diagnostics
    {
        private const string Category = "ResultCache";

        public static readonly DiagnosticDescriptor NotPartial = Error(
            "RC0001", "[CacheResult] needs a partial method declaration",
            "'{0}' is not a partial declaration the generator can implement: {1}");

        public static readonly DiagnosticDescriptor CoreMissing = Error(
            "RC0002", "The uncached ...Core method is missing or does not match",
            "'{0}' needs an uncached implementation with the same parameters, return type and static-ness: add '{1}'");

        public static readonly DiagnosticDescriptor UnsupportedReturn = Error(
            "RC0003", "Unsupported return type for [CacheResult]",
            "'{0}' returns '{1}', which has no result to cache; return a value T, Task<T> or ValueTask<T>");

        public static readonly DiagnosticDescriptor UnsupportedParameterKind = Error(
            "RC0004", "Unsupported parameter for [CacheResult]",
            "Parameter '{0}' is {1}, which a cached method cannot take; pass it by value");

        public static readonly DiagnosticDescriptor InvalidTtl = Error(
            "RC0005", "The TTL must be positive",
            "[CacheResult({0})] on '{1}': the TTL is in seconds and must be at least 1");

        public static readonly DiagnosticDescriptor NoKeyEncoding = Error(
            "RC0006", "Parameter type has no stable cache key encoding",
            "Parameter '{0}' of type '{1}' has no stable cache key encoding: mark it [CacheKeyIgnore], implement ResultCache.ICacheKey on '{1}', or name a JsonSerializerContext with [CacheSerializer] that serializes it");

        public static readonly DiagnosticDescriptor NotInJsonContext = Error(
            "RC0007", "Type missing from the JsonSerializerContext",
            "'{0}' does not serialize '{1}', which '{2}' needs: add [JsonSerializable(typeof({1}))] to '{0}'");

        public static readonly DiagnosticDescriptor GenericMethod = Error(
            "RC0008", "Generic methods cannot be cached",
            "'{0}' is generic; cache a non-generic method (a generic containing type is fine)");

        public static readonly DiagnosticDescriptor NotAJsonContext = Error(
            "RC0009", "[CacheSerializer] must name a JsonSerializerContext",
            "'{0}' is not a System.Text.Json JsonSerializerContext; name a class declared 'partial class X : JsonSerializerContext' with [JsonSerializable] attributes");

        public static readonly DiagnosticDescriptor NoJsonContext = Warning(
            "RC0010", "No JsonSerializerContext is named, so results use reflection-based JSON",
            "'{0}' caches through reflection-based System.Text.Json, which is not safe under trimming or Native AOT: name a source-generated context with [assembly: CacheSerializer(typeof(YourJsonContext))]");

        public static readonly DiagnosticDescriptor NotCacheable = Error(
            "RC0011", "[CacheResult] is on a method that cannot carry a generated body",
            "'{0}' is {1}; put [CacheResult] on a partial method of a class, struct or record instead");

        public static readonly DiagnosticDescriptor IgnoreWithoutCache = Warning(
            "RC0012", "[CacheKeyIgnore] on a method that is not cached",
            "[CacheKeyIgnore] on parameter '{0}' has no effect because '{1}' has no [CacheResult]; remove it, or put it on the cached partial declaration");

        public static readonly DiagnosticDescriptor InvalidTag = Error(
            "RC0013", "A tag of [CacheResult] is not valid",
            "Tag \"{0}\" of '{1}' is not valid: {2}");

        public static readonly DiagnosticDescriptor InvalidatorConflict = Error(
            "RC0014", "A member already has the name of the generated Invalidate method",
            "'{0}' is already declared with the parameters of the method the generator emits to invalidate '{1}'; rename it or remove it");

        public static readonly DiagnosticDescriptor InvalidOption = Error(
            "RC0015", "A [CacheResult] option is out of range",
            "{0} = {1} on '{2}' is out of range: {3}");

        public static readonly DiagnosticDescriptor StoreMemberMisnamed = Warning(
            "RC0016", "The type's CacheStore member is not named CacheStore, so the method uses CacheStore.Default",
            "'{0}' uses CacheStore.Default: its type holds the store '{1}' but has no member named CacheStore; add 'private CacheStore CacheStore => {1};' to cache in it");

        public static readonly DiagnosticDescriptor SoftTimeoutWithoutFailSafe = Warning(
            "RC0017", "A soft timeout without fail-safe never applies",
            "'{0}' sets SoftTimeoutMilliseconds without FailSafeSeconds: no expired value is ever held to answer with, so the soft timeout cannot apply; set FailSafeSeconds, or use HardTimeoutMilliseconds");

        public static readonly DiagnosticDescriptor TtlFromMismatch = Error(
            "RC0018", "TtlFrom names no method that can choose the TTL",
            "TtlFrom of '{0}' names '{1}', which {2}; add '{3}' (or with the parameters of '{0}' after the result)");

        public static readonly DiagnosticDescriptor InvalidBatchBy = Error(
            "RC0019", "BatchBy names no key parameter to batch on",
            "BatchBy of '{0}' is '{1}', which {2}; name one key parameter, such as BatchBy = nameof(id)");

        public static readonly DiagnosticDescriptor ManyCoreMissing = Error(
            "RC0020", "The batch's ...ManyCore method is missing or does not match",
            "'{0}' batches by a parameter, so it needs '{1}' to compute the keys that missed: add '{2}'");

        public static readonly DiagnosticDescriptor[] All =
        {
            NotPartial, CoreMissing, UnsupportedReturn, UnsupportedParameterKind, InvalidTtl, NoKeyEncoding,
            NotInJsonContext, GenericMethod, NotAJsonContext, NoJsonContext, NotCacheable, IgnoreWithoutCache,
            InvalidTag, InvalidatorConflict, InvalidOption, StoreMemberMisnamed, SoftTimeoutWithoutFailSafe, TtlFromMismatch,
            InvalidBatchBy, ManyCoreMissing,
        };

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            Create(id, title, message, DiagnosticSeverity.Error);

        private static DiagnosticDescriptor Warning(string id, string title, string message) =>
            Create(id, title, message, DiagnosticSeverity.Warning);

        private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity) =>
            new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: GeneratorInfo.DiagnosticsHelp + id.ToLowerInvariant());
    }
}
