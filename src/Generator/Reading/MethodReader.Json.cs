using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResultCache.Generator.Model;
using ResultCache.Generator.Symbols;

namespace ResultCache.Generator
{
    /// <summary>Finds the JsonSerializerContext named by [CacheSerializer]; what it can serialize is the validator's check.</summary>
    internal static partial class MethodReader
    {
        private static INamedTypeSymbol? FindJsonContext(IMethodSymbol method, Compilation compilation, KnownTypes known, Findings findings, Location nameLocation, CancellationToken cancellationToken)
        {
            AttributeData? attribute = null;
            for (INamedTypeSymbol? type = method.ContainingType; type is not null && attribute is null; type = type.ContainingType)
            {
                attribute = type.GetAttributes().FirstOrDefault(a => KnownTypes.Is(a, known.CacheSerializerAttribute));
            }
            attribute ??= compilation.Assembly.GetAttributes().FirstOrDefault(a => KnownTypes.Is(a, known.CacheSerializerAttribute));
            if (attribute is null)
            {
                findings.Add(Diagnostics.NoJsonContext, nameLocation, method.Name);
                return null;
            }
            TypedConstant argument = attribute.ConstructorArguments.FirstOrDefault();
            if (argument.Value is INamedTypeSymbol context && KnownTypes.InheritsFrom(context, known.JsonSerializerContext))
            {
                return context;
            }
            Location? location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            findings.Add(Diagnostics.NotAJsonContext, location, argument.Value?.ToString() ?? "null");
            return null;
        }
    }
}
