using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    internal static partial class MethodReader
    {
        /// <summary>The property of <see cref="Diagnostics.TtlFromMismatch"/> and <see cref="Diagnostics.ManyCoreMissing"/> that holds the method their code fix adds.</summary>
        internal const string StubProperty = "Stub";

        // How stale a caller may be served: refresh-ahead, and the soft and hard timeouts on ...Core.
        private static (int RefreshAhead, int Soft, int Hard) ReadStaleness(IMethodSymbol method, AttributeData attribute, int failSafe, Findings findings,
            CancellationToken cancellationToken)
        {
            int refreshAhead = IntOption(attribute, "RefreshAheadPercent", 0, 99, "use 0 (off) or 1 to 99 percent of the TTL", method, findings, cancellationToken);
            int soft = IntOption(attribute, "SoftTimeoutMilliseconds", 0, int.MaxValue, "use 0 (off) or a number of milliseconds", method, findings, cancellationToken);
            int hard = IntOption(attribute, "HardTimeoutMilliseconds", 0, int.MaxValue, "use 0 (off) or a number of milliseconds", method, findings, cancellationToken);
            if (soft > 0 && hard > 0 && soft >= hard)
            {
                (SyntaxNode? syntax, var argument) = NamedArgument(attribute, "SoftTimeoutMilliseconds", cancellationToken);
                findings.Add(Diagnostics.InvalidOption, ((SyntaxNode?)argument ?? syntax)?.GetLocation(), "SoftTimeoutMilliseconds", soft, method.Name,
                    "use a soft timeout shorter than HardTimeoutMilliseconds (" + hard + ")");
                soft = 0;
            }
            else if (soft > 0 && failSafe == 0)
            {
                (SyntaxNode? syntax, var argument) = NamedArgument(attribute, "SoftTimeoutMilliseconds", cancellationToken);
                findings.Add(Diagnostics.SoftTimeoutWithoutFailSafe, ((SyntaxNode?)argument ?? syntax)?.GetLocation(), method.Name);
            }
            return (refreshAhead, soft, hard);
        }

        // TtlFrom names a method of the type: TimeSpan M(TResult result), or with the cached method's parameters after
        // the result; static, or an instance method when the cached method is one. It is called directly, no reflection.
        private static TtlFromModel? ReadTtlFrom(IMethodSymbol method, AttributeData attribute, ITypeSymbol result, int ttlSeconds, Findings findings,
            CancellationToken cancellationToken)
        {
            if (attribute.NamedArguments.FirstOrDefault(a => a.Key == "TtlFrom").Value.Value is not string name)
            {
                return null;
            }
            IMethodSymbol[] candidates = method.ContainingType.GetMembers(name).OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToArray();
            foreach (IMethodSymbol candidate in candidates)
            {
                if (WhyNotTtlSource(method, candidate, result) is null)
                {
                    return new TtlFromModel(candidate.Name, candidate.IsStatic, candidate.Parameters.Length > 1);
                }
            }
            string why = candidates.Length == 0 ? "is no method of '" + method.ContainingType.Name + "'" : WhyNotTtlSource(method, candidates[0], result)!;
            string stub = "private static System.TimeSpan " + name + "(" + result.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) +
                " result) => System.TimeSpan.FromSeconds(" + ttlSeconds + ");";
            (SyntaxNode? syntax, var argument) = NamedArgument(attribute, "TtlFrom", cancellationToken);
            findings.Add(Diagnostics.TtlFromMismatch, ((SyntaxNode?)argument ?? syntax)?.GetLocation(),
                ImmutableDictionary.Create<string, string?>().Add(StubProperty, stub), method.Name, name, why, stub);
            return null;
        }

        private static string? WhyNotTtlSource(IMethodSymbol method, IMethodSymbol candidate, ITypeSymbol result)
        {
            if (candidate.IsGenericMethod)
            {
                return "is generic";
            }
            if (candidate.ReturnType is not INamedTypeSymbol { Name: "TimeSpan", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } })
            {
                return "returns '" + candidate.ReturnType.ToDisplayString() + "', not TimeSpan";
            }
            if (method.IsStatic && !candidate.IsStatic)
            {
                return "is an instance method, and '" + method.Name + "' is static";
            }
            bool takesResult = candidate.Parameters.Length > 0 && candidate.Parameters[0].RefKind == RefKind.None &&
                SymbolEqualityComparer.Default.Equals(candidate.Parameters[0].Type, result);
            bool restMatch = candidate.Parameters.Length == 1 || (candidate.Parameters.Length == method.Parameters.Length + 1 &&
                candidate.Parameters.Skip(1).Zip(method.Parameters, (c, m) => c.RefKind == RefKind.None && SymbolEqualityComparer.Default.Equals(c.Type, m.Type)).All(same => same));
            return takesResult && restMatch ? null
                : "does not take the result ('" + result.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "') first, then nothing or the parameters of '" + method.Name + "'";
        }
    }
}
