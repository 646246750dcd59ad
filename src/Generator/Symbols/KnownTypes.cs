using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace ResultCache.Generator.Symbols
{
    /// <summary>
    /// The types the parser compares against, looked up once per compilation. Every check is then a symbol
    /// comparison: no metadata-name lookups per method, and no string comparisons of display names.
    /// </summary>
    internal sealed class KnownTypes
    {
        private static readonly ConditionalWeakTable<Compilation, KnownTypes> s_cache = new();

        private KnownTypes(Compilation compilation)
        {
            INamedTypeSymbol? Get(string metadataName) => compilation.GetTypeByMetadataName(metadataName);

            CacheResultAttribute = Get(GeneratorInfo.CacheResultAttribute);
            CacheKeyIgnoreAttribute = Get("ResultCache.CacheKeyIgnoreAttribute");
            CacheSerializerAttribute = Get("ResultCache.CacheSerializerAttribute");
            CacheStore = Get("ResultCache.CacheStore");
            CacheKeyInterface = Get("ResultCache.ICacheKey");
            GeneratedCodeAttribute = Get("System.CodeDom.Compiler.GeneratedCodeAttribute");
            JsonSerializerContext = Get("System.Text.Json.Serialization.JsonSerializerContext");
            JsonSerializableAttribute = Get("System.Text.Json.Serialization.JsonSerializableAttribute");
            Task = Get("System.Threading.Tasks.Task");
            TaskOfT = Get("System.Threading.Tasks.Task`1");
            ValueTask = Get("System.Threading.Tasks.ValueTask");
            ValueTaskOfT = Get("System.Threading.Tasks.ValueTask`1");
            AsyncEnumerable = Get("System.Collections.Generic.IAsyncEnumerable`1");
            CancellationToken = Get("System.Threading.CancellationToken");
            Set = Get("System.Collections.Generic.ISet`1");
            ReadOnlySet = Get("System.Collections.Generic.IReadOnlySet`1");
            Enumerable = Get("System.Collections.Generic.IEnumerable`1");
            Dictionary = Get("System.Collections.Generic.IDictionary`2");
            ReadOnlyDictionary = Get("System.Collections.Generic.IReadOnlyDictionary`2");
            Json = new JsonTypes(Get);
            Scalars = new ScalarTypes(Get);
            OrderedCollections = new[]
            {
                Get("System.Collections.Generic.List`1"),
                Get("System.Collections.Generic.IList`1"),
                Get("System.Collections.Generic.IReadOnlyList`1"),
                Get("System.Collections.Generic.ICollection`1"),
                Get("System.Collections.Generic.IReadOnlyCollection`1"),
            };
        }

        public static KnownTypes For(Compilation compilation) => s_cache.GetValue(compilation, static c => new KnownTypes(c));

        public INamedTypeSymbol? CacheResultAttribute { get; }
        public INamedTypeSymbol? CacheKeyIgnoreAttribute { get; }
        public INamedTypeSymbol? CacheSerializerAttribute { get; }
        public INamedTypeSymbol? CacheStore { get; }
        public INamedTypeSymbol? CacheKeyInterface { get; }
        public INamedTypeSymbol? GeneratedCodeAttribute { get; }
        public INamedTypeSymbol? JsonSerializerContext { get; }
        public INamedTypeSymbol? JsonSerializableAttribute { get; }
        public INamedTypeSymbol? Task { get; }
        public INamedTypeSymbol? TaskOfT { get; }
        public INamedTypeSymbol? ValueTask { get; }
        public INamedTypeSymbol? ValueTaskOfT { get; }
        public INamedTypeSymbol? AsyncEnumerable { get; }
        public INamedTypeSymbol? CancellationToken { get; }
        public INamedTypeSymbol? Set { get; }
        public INamedTypeSymbol? ReadOnlySet { get; }
        public INamedTypeSymbol? Enumerable { get; }
        public INamedTypeSymbol? Dictionary { get; }
        public INamedTypeSymbol? ReadOnlyDictionary { get; }
        public JsonTypes Json { get; }
        public ScalarTypes Scalars { get; }

        // Ordered collections only: a set's order depends on hash codes, which differ between processes.
        public INamedTypeSymbol?[] OrderedCollections { get; }

        public static bool Is(ITypeSymbol? type, INamedTypeSymbol? known) =>
            known is not null && SymbolEqualityComparer.Default.Equals(type, known);

        public static bool Is(AttributeData attribute, INamedTypeSymbol? known) => Is(attribute.AttributeClass, known);

        /// <summary><c>T</c> for <c>T?</c> of a value type; the type itself otherwise.</summary>
        public static ITypeSymbol UnwrapNullable(ITypeSymbol type) =>
            type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : type;

        public static bool InheritsFrom(ITypeSymbol type, INamedTypeSymbol? baseType)
        {
            for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                if (Is(current, baseType))
                {
                    return true;
                }
            }
            return false;
        }

        public static bool Implements(ITypeSymbol type, INamedTypeSymbol? interfaceType) =>
            interfaceType is not null &&
            (type.AllInterfaces.Any(i => Is(i, interfaceType)) ||
             (type is ITypeParameterSymbol parameter && parameter.ConstraintTypes.Any(c => Is(c, interfaceType) || Implements(c, interfaceType))));

        public bool IsUnorderedSet(ITypeSymbol type) =>
            Is(type.OriginalDefinition, Set) || Is(type.OriginalDefinition, ReadOnlySet) ||
            type.OriginalDefinition.AllInterfaces.Any(i => Is(i.OriginalDefinition, Set));

        public ITypeSymbol? OrderedCollectionItem(ITypeSymbol type) => type switch
        {
            IArrayTypeSymbol { Rank: 1 } array => array.ElementType,
            INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                when OrderedCollections.Any(c => Is(named.ConstructedFrom, c)) => named.TypeArguments[0],
            _ => null,
        };
    }
}
