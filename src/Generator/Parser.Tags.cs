using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ResultCache.Generator
{
    /// <summary>Checks <c>[CacheResult(Tags = ...)]</c> and turns each tag into the interpolated string the emitter writes.</summary>
    internal static partial class Parser
    {
        private static readonly HashSet<SpecialType> s_textTypes = new()
        {
            SpecialType.System_String, SpecialType.System_Char, SpecialType.System_Boolean,
            SpecialType.System_SByte, SpecialType.System_Byte, SpecialType.System_Int16, SpecialType.System_UInt16,
            SpecialType.System_Int32, SpecialType.System_UInt32, SpecialType.System_Int64, SpecialType.System_UInt64,
            SpecialType.System_Decimal, SpecialType.System_DateTime,
        };

        private static readonly HashSet<string> s_textTypesByName = new()
        {
            "System.Guid", "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly", "System.TimeSpan",
        };

        private static List<string> ParseTags(IMethodSymbol method, AttributeData attribute, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var tags = new List<string>();
            TypedConstant value = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Tags").Value;
            if (value.Kind != TypedConstantKind.Array || value.IsNull)
            {
                return tags;
            }
            foreach (TypedConstant item in value.Values)
            {
                string? tag = item.Value as string;
                string? problem = tag is null || tag.Length == 0 ? "a tag must not be null or empty" : TagProblem(tag, method);
                if (problem is null)
                {
                    tags.Add("$" + SymbolDisplay.FormatLiteral(tag!, quote: true));
                }
                else
                {
                    diagnostics.Add(Diagnostic.Create(Diagnostics.InvalidTag, TagLocation(attribute, tag, cancellationToken), tag ?? "null", method.Name, problem));
                }
            }
            return tags;
        }

        // A tag is literal text with {parameter} or {parameter:format} placeholders; {{ and }} are literal braces.
        private static string? TagProblem(string tag, IMethodSymbol method)
        {
            for (int i = 0; i < tag.Length; i++)
            {
                if (tag[i] == '}')
                {
                    if (i + 1 < tag.Length && tag[i + 1] == '}')
                    {
                        i++;
                        continue;
                    }
                    return "a '}' has no matching '{'; write '}}' for a literal brace";
                }
                if (tag[i] != '{')
                {
                    continue;
                }
                if (i + 1 < tag.Length && tag[i + 1] == '{')
                {
                    i++;
                    continue;
                }
                int close = tag.IndexOf('}', i + 1);
                if (close < 0)
                {
                    return "a '{' has no matching '}'; write '{{' for a literal brace";
                }
                string hole = tag.Substring(i + 1, close - i - 1);
                string name = hole.Split(':', ',')[0].Trim();
                IParameterSymbol? parameter = method.Parameters.FirstOrDefault(p => p.Name == name);
                if (parameter is null)
                {
                    return "'{" + name + "}' names no parameter; use one of: " +
                        (method.Parameters.Length == 0 ? "(none)" : string.Join(", ", method.Parameters.Select(p => p.Name)));
                }
                if (!HasInvariantText(parameter.Type))
                {
                    return "parameter '" + name + "' is a '" + parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) +
                        "', which has no stable text; use a string, number, bool, char, Guid, date, time or enum parameter";
                }
                i = close;
            }
            return null;
        }

        private static bool HasInvariantText(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
            }
            return s_textTypes.Contains(type.SpecialType) || type.TypeKind == TypeKind.Enum || s_textTypesByName.Contains(type.ToDisplayString());
        }

        // Points at the offending string in the attribute, or at the attribute when the array is not written inline.
        private static Location? TagLocation(AttributeData attribute, string? tag, CancellationToken cancellationToken)
        {
            (SyntaxNode? syntax, AttributeArgumentSyntax? argument) = NamedArgument(attribute, "Tags", cancellationToken);
            ExpressionSyntax? tags = argument?.Expression;
            SyntaxNode? literal = tags?.DescendantNodesAndSelf().OfType<LiteralExpressionSyntax>()
                .FirstOrDefault(l => l.Token.Value as string == tag);
            return (literal ?? tags ?? syntax)?.GetLocation();
        }
    }
}
