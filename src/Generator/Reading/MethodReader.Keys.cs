using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ResultCache.Generator.Model;
using ResultCache.Generator.Symbols;

namespace ResultCache.Generator
{
    /// <summary>How each parameter is written into the cache key, decided at compile time from its type.</summary>
    internal static partial class MethodReader
    {
        // The declared default as a constant the batch companion repeats: default, a literal, or a cast number or enum.
        private static string? DefaultValueOf(IParameterSymbol parameter, string type) =>
            !parameter.HasExplicitDefaultValue ? null
            : parameter.ExplicitDefaultValue switch
            {
                null => "default",
                string text => SymbolDisplay.FormatLiteral(text, quote: true),
                bool flag => flag ? "true" : "false",
                char letter => SymbolDisplay.FormatLiteral(letter, quote: true),
                object value => "(" + type.TrimEnd('?') + ")" + SymbolDisplay.FormatPrimitive(value, quoteStrings: false, useHexadecimalNumbers: false),
            };

        private static ParameterModel ParseParameter(IParameterSymbol parameter, KnownTypes known, bool hasJsonContext, Findings findings)
        {
            Location? location = parameter.Locations.FirstOrDefault();
            string type = parameter.Type.ToDisplayString(s_typeFormat);
            ParameterKind kind = parameter.IsParams ? ParameterKind.Params : parameter.RefKind switch
            {
                RefKind.Ref => ParameterKind.Ref,
                RefKind.Out => ParameterKind.Out,
                RefKind.In => ParameterKind.In,
                RefKind.RefReadOnlyParameter => ParameterKind.RefReadOnly,
                _ => ParameterKind.Value,
            };
            ParameterModel Model(KeyEncoding encoding, bool isCollection = false) =>
                new(parameter.Name, type, kind, encoding, isCollection,
                    encoding is KeyEncoding.Value or KeyEncoding.Enum && !isCollection ? known.Scalars.KeyBytes(parameter.Type) : 0,
                    DefaultValueOf(parameter, type));

            string? refusal = parameter.RefKind != RefKind.None ? "'" + Emitter.Modifier(kind).Trim() + "'"
                : parameter.Type is IPointerTypeSymbol or IFunctionPointerTypeSymbol ? "a pointer"
                : parameter.Type.IsRefLikeType ? "a ref struct"
                : null;
            if (refusal is not null)
            {
                findings.Add(Diagnostics.UnsupportedParameterKind, location, parameter.Name, refusal);
                return Model(KeyEncoding.Ignored);
            }

            if (KnownTypes.Is(parameter.Type, known.CancellationToken) ||
                parameter.GetAttributes().Any(a => KnownTypes.Is(a, known.CacheKeyIgnoreAttribute)))
            {
                return Model(KeyEncoding.Ignored);
            }

            // A set enumerates in hash order, which differs between processes: no stable key, whatever the serializer.
            if (!known.IsUnorderedSet(parameter.Type))
            {
                if (Encode(parameter.Type, known) is { } encoding)
                {
                    return Model(encoding);
                }
                if (known.OrderedCollectionItem(parameter.Type) is { } item && Encode(item, known) is { } itemEncoding)
                {
                    return Model(itemEncoding, isCollection: true);
                }
                // Anything else goes through the JSON context; whether the context can write it is the analyzer's check.
                if (hasJsonContext && parameter.Type is not ITypeParameterSymbol)
                {
                    return Model(KeyEncoding.Json);
                }
            }

            findings.Add(Diagnostics.NoKeyEncoding, location,
                parameter.Name, parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
            return Model(KeyEncoding.Ignored);
        }

        private static KeyEncoding? Encode(ITypeSymbol type, KnownTypes known)
        {
            if ((known.Scalars.UseOf(type) & ScalarUse.Key) != 0)
            {
                return KnownTypes.UnwrapNullable(type).TypeKind == TypeKind.Enum ? KeyEncoding.Enum : KeyEncoding.Value;
            }
            return KnownTypes.Implements(KnownTypes.UnwrapNullable(type), known.CacheKeyInterface) ? KeyEncoding.CacheKey : null;
        }
    }
}
