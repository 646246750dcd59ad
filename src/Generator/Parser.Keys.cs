using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    /// <summary>How each parameter is written into the cache key, decided at compile time from its type.</summary>
    internal static partial class Parser
    {
        private const string CacheKeyInterface = "ResultCache.ICacheKey";

        // Types with a CacheKeyWriter.Write overload (besides the SpecialType primitives).
        private static readonly HashSet<string> s_valueTypesByName = new()
        {
            "System.Guid", "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly", "System.TimeSpan", "System.Int128", "System.UInt128",
        };

        // Ordered collections only: a set's order depends on hash codes, which differ between processes.
        private static readonly HashSet<string> s_orderedCollections = new()
        {
            "System.Collections.Generic.List`1",
            "System.Collections.Generic.IList`1",
            "System.Collections.Generic.IReadOnlyList`1",
            "System.Collections.Generic.ICollection`1",
            "System.Collections.Generic.IReadOnlyCollection`1",
        };

        private static ParameterModel ParseParameter(IParameterSymbol parameter, Compilation compilation, JsonContext? json, List<Diagnostic> diagnostics)
        {
            Location? location = parameter.Locations.FirstOrDefault();
            string type = parameter.Type.ToDisplayString(s_typeFormat);
            string modifier = parameter.IsParams ? "params " : parameter.RefKind switch
            {
                RefKind.Ref => "ref ",
                RefKind.Out => "out ",
                RefKind.In => "in ",
                RefKind.RefReadOnlyParameter => "ref readonly ",
                _ => string.Empty,
            };
            ParameterModel Model(KeyEncoding encoding, bool isCollection = false) =>
                new(parameter.Name, type, modifier, encoding, isCollection);

            string? refusal = parameter.RefKind != RefKind.None ? "'" + modifier.Trim() + "'"
                : parameter.Type is IPointerTypeSymbol or IFunctionPointerTypeSymbol ? "a pointer"
                : parameter.Type.IsRefLikeType ? "a ref struct"
                : null;
            if (refusal is not null)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedParameterKind, location, parameter.Name, refusal));
                return Model(KeyEncoding.Ignored);
            }

            if (IsCancellationToken(parameter.Type, compilation) ||
                parameter.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == CacheKeyIgnoreAttribute))
            {
                return Model(KeyEncoding.Ignored);
            }

            if (IsUnorderedSet(parameter.Type))
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.NoKeyEncoding, location,
                    parameter.Name, parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
                return Model(KeyEncoding.Ignored);
            }
            if (Encode(parameter.Type) is { } encoding)
            {
                return Model(encoding);
            }
            if (OrderedCollectionItem(parameter.Type) is { } item && Encode(item) is { } itemEncoding)
            {
                return Model(itemEncoding, isCollection: true);
            }
            // Types the user declared can be added to the JSON context; framework types such as Type or Stream cannot.
            if (json is not null && parameter.Type is not ITypeParameterSymbol && (json.CanSerialize(parameter.Type) || IsDeclaredInSource(parameter.Type)))
            {
                RequireSerializable(json, parameter.Type, location, parameter.ContainingSymbol.Name, diagnostics);
                return Model(KeyEncoding.Json);
            }

            diagnostics.Add(Diagnostic.Create(Diagnostics.NoKeyEncoding, location,
                parameter.Name, parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
            return Model(KeyEncoding.Ignored);
        }

        private static KeyEncoding? Encode(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
            }
            if (type.TypeKind == TypeKind.Enum)
            {
                return KeyEncoding.Enum;
            }
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean:
                case SpecialType.System_Byte:
                case SpecialType.System_SByte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Char:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                case SpecialType.System_Decimal:
                case SpecialType.System_String:
                case SpecialType.System_DateTime:
                    return KeyEncoding.Value;
            }
            if (s_valueTypesByName.Contains(type.ToDisplayString()))
            {
                return KeyEncoding.Value;
            }
            if (Implements(type, CacheKeyInterface))
            {
                return KeyEncoding.CacheKey;
            }
            return null;
        }

        private static bool IsDeclaredInSource(ITypeSymbol type) =>
            (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : type)
                .Locations.Any(l => l.IsInSource);

        // A set enumerates in hash order, which differs between processes: no stable key, whatever the serializer.
        private static bool IsUnorderedSet(ITypeSymbol type) =>
            type.OriginalDefinition.ToDisplayString() is "System.Collections.Generic.ISet<T>" or "System.Collections.Generic.IReadOnlySet<T>" ||
            type.OriginalDefinition.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == "System.Collections.Generic.ISet<T>");

        private static ITypeSymbol? OrderedCollectionItem(ITypeSymbol type) => type switch
        {
            IArrayTypeSymbol { Rank: 1 } array => array.ElementType,
            INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                when s_orderedCollections.Contains(named.ConstructedFrom.ContainingNamespace.ToDisplayString() + "." + named.ConstructedFrom.MetadataName) => named.TypeArguments[0],
            _ => null,
        };
    }
}
