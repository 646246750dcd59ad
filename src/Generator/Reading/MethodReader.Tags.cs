using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResultCache.Generator.Helpers;
using ResultCache.Generator.Model;
using ResultCache.Generator.Symbols;

namespace ResultCache.Generator
{
    /// <summary>Checks <c>[CacheResult(Tags = ...)]</c> and splits each tag into literal text and placeholders.</summary>
    internal static partial class MethodReader
    {
        private static List<TagModel> ParseTags(IMethodSymbol method, AttributeData attribute, KnownTypes known, Findings findings, CancellationToken cancellationToken)
        {
            var tags = new List<TagModel>();
            TypedConstant value = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Tags").Value;
            if (value.Kind != TypedConstantKind.Array || value.IsNull)
            {
                return tags;
            }
            foreach (TypedConstant item in value.Values)
            {
                string? tag = item.Value as string;
                var parts = new List<TagPart>();
                string? problem = tag is null || tag.Length == 0 ? "a tag must not be null or empty" : SplitTag(tag, method, known, parts);
                if (problem is null)
                {
                    tags.Add(new TagModel(parts.ToEquatableArray()));
                }
                else
                {
                    findings.Add(Diagnostics.InvalidTag, TagLocation(attribute, tag, cancellationToken), tag ?? "null", method.Name, problem);
                }
            }
            return tags;
        }

        // A tag is literal text with {parameter} or {parameter:format} placeholders; {{ and }} are literal braces.
        // Returns what is wrong with it, or null with its parts added to parts.
        private static string? SplitTag(string tag, IMethodSymbol method, KnownTypes known, List<TagPart> parts)
        {
            var literal = new System.Text.StringBuilder();
            for (int i = 0; i < tag.Length; i++)
            {
                char c = tag[i];
                if ((c == '{' || c == '}') && i + 1 < tag.Length && tag[i + 1] == c)
                {
                    literal.Append(c);
                    i++;
                    continue;
                }
                if (c == '}')
                {
                    return "a '}' has no matching '{'; write '}}' for a literal brace";
                }
                if (c != '{')
                {
                    literal.Append(c);
                    continue;
                }
                int close = tag.IndexOf('}', i + 1);
                if (close < 0)
                {
                    return "a '{' has no matching '}'; write '{{' for a literal brace";
                }
                string hole = tag.Substring(i + 1, close - i - 1);
                int end = hole.IndexOfAny(new[] { ':', ',' });
                string name = (end < 0 ? hole : hole.Substring(0, end)).Trim();
                IParameterSymbol? parameter = method.Parameters.FirstOrDefault(p => p.Name == name);
                if (parameter is null)
                {
                    return "'{" + name + "}' names no parameter; use one of: " +
                        (method.Parameters.Length == 0 ? "(none)" : string.Join(", ", method.Parameters.Select(p => p.Name)));
                }
                if ((known.Scalars.UseOf(parameter.Type) & ScalarUse.Tag) == 0)
                {
                    return "parameter '" + name + "' is a '" + parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) +
                        "', which has no stable text; use a string, number, bool, char, Guid, date, time or enum parameter";
                }
                AddLiteral(parts, literal);
                parts.Add(new TagPart(string.Empty, name, end < 0 ? null : hole.Substring(end)));
                i = close;
            }
            AddLiteral(parts, literal);
            return null;
        }

        private static void AddLiteral(List<TagPart> parts, System.Text.StringBuilder literal)
        {
            if (literal.Length > 0)
            {
                parts.Add(new TagPart(literal.ToString(), Parameter: null, Format: null));
                literal.Clear();
            }
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
