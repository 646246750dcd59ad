using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    internal static partial class MethodReader
    {
        // BatchBy names the key parameter a batch companion takes many of; ...ManyCore computes the keys that missed.
        private static BatchModel? ReadBatch(IMethodSymbol method, AttributeData attribute, ITypeSymbol? result, ReturnShape shape, List<ParameterModel> parameters,
            Compilation compilation, Findings findings, CancellationToken cancellationToken)
        {
            if (attribute.NamedArguments.FirstOrDefault(a => a.Key == "BatchBy").Value.Value is not string name || result is null)
            {
                return null;
            }
            (SyntaxNode? syntax, var argument) = NamedArgument(attribute, "BatchBy", cancellationToken);
            Location? location = ((SyntaxNode?)argument ?? syntax)?.GetLocation();
            int index = method.Parameters.Select(p => p.Name).ToList().IndexOf(name);
            string? why = index < 0
                ? (method.Parameters.Length == 0 ? "names no parameter: the method has none to batch on" : "names no parameter of the method")
                : parameters[index].Encoding == KeyEncoding.Ignored ? "is not part of the key ([CacheKeyIgnore] or a CancellationToken)"
                : parameters[index].IsCollection || parameters[index].Kind != ParameterKind.Value ? "is a collection, params array or non-value parameter, not one key value"
                : attribute.NamedArguments.Any(a => a.Key == "TtlFrom") ? "cannot be combined with TtlFrom yet: a batch stores each element for the method's TTL"
                : null;
            if (why is not null)
            {
                findings.Add(Diagnostics.InvalidBatchBy, location, method.Name, name, why);
                return null;
            }
            IParameterSymbol batched = method.Parameters[index];
            string companion = method.Name.EndsWith("Async", System.StringComparison.Ordinal)
                ? method.Name.Substring(0, method.Name.Length - 5) + "ManyAsync"
                : method.Name + "Many";
            string coreName = companion + "Core";
            if (!HasMatchingManyCore(method, coreName, index, result, shape, compilation))
            {
                string stub = ManyCoreStub(method, coreName, index, result, shape);
                findings.Add(Diagnostics.ManyCoreMissing, location,
                    ImmutableDictionary.Create<string, string?>().Add(StubProperty, stub), method.Name, coreName, stub);
                return null;
            }
            string plural = PluralOf(batched.Name, method);
            return new BatchModel(index, batched.Type.ToDisplayString(s_typeFormat), companion, coreName, plural);
        }

        // ids for id; a name taken by another parameter gets a leading underscore until it is free.
        private static string PluralOf(string name, IMethodSymbol method)
        {
            string plural = name.EndsWith("s", System.StringComparison.Ordinal) ? name + "es" : name + "s";
            while (method.Parameters.Any(p => p.Name == plural))
            {
                plural = "_" + plural;
            }
            return plural;
        }

        private static bool HasMatchingManyCore(IMethodSymbol method, string coreName, int index, ITypeSymbol result, ReturnShape shape, Compilation compilation)
        {
            ITypeSymbol? expected = ManyReturn(compilation, method.Parameters[index].Type, result, shape);
            INamedTypeSymbol? list = compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyList`1");
            if (expected is null || list is null)
            {
                return false;
            }
            ITypeSymbol ids = list.Construct(method.Parameters[index].Type);
            return method.ContainingType.GetMembers(coreName).OfType<IMethodSymbol>().Any(core =>
                core.IsStatic == method.IsStatic && !core.IsGenericMethod &&
                core.Parameters.Length == method.Parameters.Length &&
                SymbolEqualityComparer.Default.Equals(core.ReturnType, expected) &&
                core.Parameters.Select((p, i) => p.RefKind == RefKind.None && SymbolEqualityComparer.Default.Equals(p.Type, i == index ? ids : method.Parameters[i].Type)).All(same => same));
        }

        // IReadOnlyDictionary<TKey, T>, wrapped in Task<> or ValueTask<> as the method's own result is.
        private static ITypeSymbol? ManyReturn(Compilation compilation, ITypeSymbol key, ITypeSymbol result, ReturnShape shape)
        {
            INamedTypeSymbol? dictionary = compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyDictionary`2")?.Construct(key, result);
            string? wrapper = shape switch
            {
                ReturnShape.Task => "System.Threading.Tasks.Task`1",
                ReturnShape.ValueTask => "System.Threading.Tasks.ValueTask`1",
                _ => null,
            };
            return dictionary is null || wrapper is null ? dictionary : compilation.GetTypeByMetadataName(wrapper)?.Construct(dictionary);
        }

        private static string ManyCoreStub(IMethodSymbol method, string coreName, int index, ITypeSymbol result, ReturnShape shape)
        {
            string Minimal(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            string key = Minimal(method.Parameters[index].Type);
            string dictionary = "System.Collections.Generic.IReadOnlyDictionary<" + key + ", " + Minimal(result) + ">";
            string returns = shape switch
            {
                ReturnShape.Task => "System.Threading.Tasks.Task<" + dictionary + ">",
                ReturnShape.ValueTask => "System.Threading.Tasks.ValueTask<" + dictionary + ">",
                _ => dictionary,
            };
            string parameters = string.Join(", ", method.Parameters.Select((p, i) => i == index
                ? "System.Collections.Generic.IReadOnlyList<" + key + "> " + PluralOf(p.Name, method)
                : Minimal(p.Type) + " " + p.Name));
            return "private " + (method.IsStatic ? "static " : string.Empty) + returns + " " + coreName + "(" + parameters + ") => throw new System.NotImplementedException();";
        }
    }
}
