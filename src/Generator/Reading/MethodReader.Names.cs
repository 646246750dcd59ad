using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using ResultCache.Generator.Helpers;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    /// <summary>Names derived from the method: the readable key part, the containing declarations, the hint name.</summary>
    internal static partial class MethodReader
    {
        // "Ns.Outer<T>.Method", with each type parameter of a containing type as its own part.
        private static List<KeyNamePart> KeyName(IMethodSymbol method)
        {
            var parts = new List<KeyNamePart>();
            var text = new StringBuilder();
            INamespaceSymbol ns = method.ContainingType.ContainingNamespace;
            if (!ns.IsGlobalNamespace)
            {
                text.Append(ns.ToDisplayString()).Append('.');
            }
            foreach (INamedTypeSymbol type in ContainingTypeChain(method.ContainingType))
            {
                text.Append(type.Name);
                if (type.TypeParameters.Length > 0)
                {
                    text.Append('<');
                    for (int i = 0; i < type.TypeParameters.Length; i++)
                    {
                        text.Append(i == 0 ? string.Empty : ",");
                        parts.Add(new KeyNamePart(text.ToString(), IsTypeParameter: false));
                        parts.Add(new KeyNamePart(type.TypeParameters[i].Name, IsTypeParameter: true));
                        text.Clear();
                    }
                    text.Append('>');
                }
                text.Append('.');
            }
            text.Append(method.Name);
            parts.Add(new KeyNamePart(text.ToString(), IsTypeParameter: false));
            return parts.Where(p => p.IsTypeParameter || p.Text.Length > 0).ToList();
        }

        private static ContainingTypeModel ContainingType(INamedTypeSymbol type) =>
            new(Keyword(type), type.Name, type.TypeParameters.Select(p => p.Name).ToEquatableArray());

        private static IEnumerable<INamedTypeSymbol> ContainingTypeChain(INamedTypeSymbol type)
        {
            var chain = new Stack<INamedTypeSymbol>();
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                chain.Push(current);
            }
            return chain;
        }

        private static string Keyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, IsValueType: true } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };

        private static string HintName(IMethodSymbol method, string overloadId)
        {
            // Outer<T, U>.Inner becomes Outer_T_U.Inner: file-name safe, and distinct per generic arity.
            string type = method.ContainingType.ToDisplayString().Replace("<", "_").Replace(", ", "_").Replace(">", string.Empty);
            return type + "." + method.Name + "." + overloadId + ".g.cs";
        }
    }
}
