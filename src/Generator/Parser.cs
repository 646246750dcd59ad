using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResultCache.Generator.Helpers;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    /// <summary>
    /// Reads a [CacheResult] method's symbols into a <see cref="CachedMethodModel"/> and the diagnostics of its
    /// misuse. The generator keeps only the model; the analyzer reports only the diagnostics.
    /// </summary>
    internal static partial class Parser
    {
        public const string CacheResultAttribute = "ResultCache.CacheResultAttribute";
        public const string CacheKeyIgnoreAttribute = "ResultCache.CacheKeyIgnoreAttribute";
        private const string CacheStoreType = "ResultCache.CacheStore";
        private const string StoreMemberName = "CacheStore";
        private const string GeneratorName = "ResultCache.Generator";

        private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        public static ParseResult Parse(IMethodSymbol method, MethodDeclarationSyntax syntax, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
        {
            var diagnostics = new List<Diagnostic>();
            Location nameLocation = syntax.Identifier.GetLocation();

            string? notCacheable = WhyNotCacheable(method);
            if (notCacheable is not null)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.NotCacheable, nameLocation, method.Name, notCacheable));
                return new ParseResult(null, diagnostics);
            }
            string? notPartial = WhyNotPartialDefinition(method, syntax);
            if (notPartial is not null)
            {
                // No partial definition to implement, so nothing is emitted: the user's own code stands.
                diagnostics.Add(Diagnostic.Create(Diagnostics.NotPartial, nameLocation, method.Name, notPartial));
                return new ParseResult(null, diagnostics);
            }

            int ttl = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int seconds ? seconds : 0;
            if (ttl <= 0)
            {
                Location ttlLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? nameLocation;
                diagnostics.Add(Diagnostic.Create(Diagnostics.InvalidTtl, ttlLocation, ttl.ToString(), method.Name));
            }
            bool cacheNulls = attribute.NamedArguments.Any(a => a.Key == "CacheNulls" && a.Value.Value is true);
            int jitter = IntOption(attribute, "TtlJitterPercent", 0, 50, "use 0 (off) to 50 percent", method, diagnostics, cancellationToken);
            int failSafe = IntOption(attribute, "FailSafeSeconds", 0, int.MaxValue, "use 0 (off) or a number of seconds", method, diagnostics, cancellationToken);

            if (method.IsGenericMethod)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.GenericMethod, nameLocation, method.Name));
            }

            (ReturnShape shape, ITypeSymbol? result) = ClassifyReturn(method, compilation);
            if (result is null)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedReturn, syntax.ReturnType.GetLocation(), method.Name, method.ReturnType.ToDisplayString()));
            }

            JsonContext? json = FindJsonContext(method, compilation, diagnostics, nameLocation, cancellationToken);
            if (result is not null && json is not null)
            {
                RequireSerializable(json, result, syntax.ReturnType.GetLocation(), method.Name, diagnostics);
            }

            var parameters = method.Parameters.Select(p => ParseParameter(p, compilation, json, diagnostics)).ToList();
            List<string> tags = ParseTags(method, attribute, diagnostics, cancellationToken);
            string? invalidatorModifiers = InvalidatorModifiers(method, syntax, parameters, nameLocation, diagnostics);

            if (!method.IsGenericMethod && !HasMatchingCore(method))
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.CoreMissing, nameLocation, method.Name, CoreSignature(method)));
            }

            INamedTypeSymbol type = method.ContainingType;
            string signature = StableHash.Hex32(
                method.ReturnType.ToDisplayString(s_typeFormat) + "(" +
                string.Join(",", method.Parameters.Select((p, i) => p.Type.ToDisplayString(s_typeFormat) + ":" + parameters[i].Encoding)) + ")");

            var model = new CachedMethodModel(
                Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
                ContainingTypes: ContainingTypes(type).ToEquatableArray(),
                Modifiers: string.Join(" ", syntax.Modifiers.Select(m => m.Text)),
                Name: method.Name,
                TypeParameters: method.IsGenericMethod ? "<" + string.Join(", ", method.TypeParameters.Select(t => t.Name)) + ">" : string.Empty,
                Constraints: Constraints(method),
                ReturnType: (method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : string.Empty) + method.ReturnType.ToDisplayString(s_typeFormat),
                Shape: shape,
                ResultType: result?.ToDisplayString(s_typeFormat) ?? "object",
                IsStatic: method.IsStatic,
                UsesPointers: method.ReturnType is IPointerTypeSymbol || method.Parameters.Any(p => p.Type is IPointerTypeSymbol),
                Parameters: parameters.ToEquatableArray(),
                CancellationTokenParameter: method.Parameters.FirstOrDefault(p => IsCancellationToken(p.Type, compilation))?.Name,
                TtlSeconds: ttl,
                CacheNulls: cacheNulls,
                TtlJitterPercent: jitter,
                FailSafeSeconds: failSafe,
                KeyNameExpression: KeyNameExpression(method),
                Signature: signature,
                SerializerContext: json?.Type.ToDisplayString(s_typeFormat),
                StoreExpression: StoreExpression(method),
                ReceiverInKey: !method.IsStatic && Implements(type, CacheKeyInterface),
                Tags: tags.ToEquatableArray(),
                InvalidatorModifiers: invalidatorModifiers,
                HintName: HintName(method, signature),
                // With an error, emit a throwing body anyway so the user sees our diagnostic, not CS8795 beside it.
                StubForError: diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error)?.Id);
            return new ParseResult(model, diagnostics);
        }

        // The companion takes the key parameters, keeps the method's accessibility and static-ness, and is
        // left out when the user already declared a method with its name and parameters.
        private static string? InvalidatorModifiers(IMethodSymbol method, MethodDeclarationSyntax syntax, List<ParameterModel> parameters, Location location, List<Diagnostic> diagnostics)
        {
            string name = "Invalidate" + method.Name;
            var keyed = method.Parameters.Where((_, i) => parameters[i].Encoding != KeyEncoding.Ignored).Select(p => p.Type).ToList();
            bool taken = method.ContainingType.GetMembers(name).OfType<IMethodSymbol>().Any(existing =>
                !IsOurs(existing) &&
                existing.Parameters.Where(p => p.Type.ToDisplayString() != "System.Threading.CancellationToken")
                    .Select(p => p.Type).SequenceEqual(keyed, SymbolEqualityComparer.Default));
            if (taken)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.InvalidatorConflict, location, name, method.Name));
                return null;
            }
            return string.Join(" ", syntax.Modifiers.Select(m => m.Text).Where(m => m is "public" or "internal" or "protected" or "private" or "static"));
        }

        private static int IntOption(AttributeData attribute, string name, int min, int max, string fix, IMethodSymbol method, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            if (attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value is not int value)
            {
                return 0;
            }
            if (value >= min && value <= max)
            {
                return value;
            }
            (SyntaxNode? syntax, AttributeArgumentSyntax? argument) = NamedArgument(attribute, name, cancellationToken);
            diagnostics.Add(Diagnostic.Create(Diagnostics.InvalidOption, ((SyntaxNode?)argument ?? syntax)?.GetLocation(), name, value, method.Name, fix));
            return 0;
        }

        // The attribute's syntax and, when written, its Name = value argument: where a diagnostic about that value belongs.
        private static (SyntaxNode? Attribute, AttributeArgumentSyntax? Argument) NamedArgument(AttributeData attribute, string name, CancellationToken cancellationToken)
        {
            SyntaxNode? syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
            return (syntax, (syntax as AttributeSyntax)?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name));
        }

        private static string? WhyNotCacheable(IMethodSymbol method)
        {
            if (method.ContainingType.TypeKind == TypeKind.Interface)
            {
                return "an interface member";
            }
            if (method.IsAbstract)
            {
                return "abstract";
            }
            if (method.IsExtern)
            {
                return "extern";
            }
            if (method.PartialImplementationPart is { } implementation && !IsOurs(implementation))
            {
                return "already implemented by another partial declaration";
            }
            return null;
        }

        private static string? WhyNotPartialDefinition(IMethodSymbol method, MethodDeclarationSyntax syntax)
        {
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword) || syntax.Body is not null || syntax.ExpressionBody is not null)
            {
                return "declare it 'partial' without a body and move the body into '" + method.Name + "Core'";
            }
            for (SyntaxNode? node = syntax.Parent; node is TypeDeclarationSyntax typeSyntax; node = node.Parent)
            {
                if (!typeSyntax.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return "make '" + typeSyntax.Identifier.Text + "' partial";
                }
            }
            return null;
        }

        // The analyzer sees the generator's own implementation part; it carries [GeneratedCode("ResultCache.Generator")].
        private static bool IsOurs(IMethodSymbol implementation) =>
            implementation.GetAttributes().Any(a =>
                a.AttributeClass?.ToDisplayString() == "System.CodeDom.Compiler.GeneratedCodeAttribute" &&
                a.ConstructorArguments.FirstOrDefault().Value as string == GeneratorName);

        private static (ReturnShape Shape, ITypeSymbol? Result) ClassifyReturn(IMethodSymbol method, Compilation compilation)
        {
            ITypeSymbol type = method.ReturnType;
            if (method.ReturnsVoid || method.ReturnsByRef || method.ReturnsByRefReadonly ||
                type is IPointerTypeSymbol or IFunctionPointerTypeSymbol || type.TypeKind == TypeKind.Dynamic || type.IsRefLikeType)
            {
                return (ReturnShape.Sync, null);
            }
            if (type is INamedTypeSymbol { IsGenericType: true } named)
            {
                INamedTypeSymbol definition = named.ConstructedFrom;
                if (Is(definition, compilation, "System.Threading.Tasks.Task`1"))
                {
                    return (ReturnShape.Task, named.TypeArguments[0]);
                }
                if (Is(definition, compilation, "System.Threading.Tasks.ValueTask`1"))
                {
                    return (ReturnShape.ValueTask, named.TypeArguments[0]);
                }
                if (Is(definition, compilation, "System.Collections.Generic.IAsyncEnumerable`1"))
                {
                    return (ReturnShape.Sync, null);
                }
            }
            if (Is(type, compilation, "System.Threading.Tasks.Task") || Is(type, compilation, "System.Threading.Tasks.ValueTask"))
            {
                return (ReturnShape.Sync, null);
            }
            return (ReturnShape.Sync, type);
        }

        private static bool HasMatchingCore(IMethodSymbol method) =>
            method.ContainingType.GetMembers(method.Name + "Core").OfType<IMethodSymbol>().Any(core =>
                core.IsStatic == method.IsStatic &&
                core.Parameters.Length == method.Parameters.Length &&
                SymbolEqualityComparer.Default.Equals(core.ReturnType, method.ReturnType) &&
                core.Parameters.Zip(method.Parameters, (a, b) => a.RefKind == b.RefKind && SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same));

        private static string CoreSignature(IMethodSymbol method) =>
            "private " + (method.IsStatic ? "static " : string.Empty) +
            method.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + " " + method.Name + "Core(" +
            string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + " " + p.Name)) + ")";

        // A stub for a generic method must repeat the constraints of the declaration.
        private static string Constraints(IMethodSymbol method)
        {
            string list = string.Empty;
            foreach (ITypeParameterSymbol parameter in method.TypeParameters)
            {
                var constraints = new List<string>();
                if (parameter.HasReferenceTypeConstraint)
                {
                    constraints.Add(parameter.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
                }
                if (parameter.HasUnmanagedTypeConstraint)
                {
                    constraints.Add("unmanaged");
                }
                else if (parameter.HasValueTypeConstraint)
                {
                    constraints.Add("struct");
                }
                if (parameter.HasNotNullConstraint)
                {
                    constraints.Add("notnull");
                }
                constraints.AddRange(parameter.ConstraintTypes.Select(t => t.ToDisplayString(s_typeFormat)));
                if (parameter.HasConstructorConstraint)
                {
                    constraints.Add("new()");
                }
                if (constraints.Count > 0)
                {
                    list += " where " + parameter.Name + " : " + string.Join(", ", constraints);
                }
            }
            return list;
        }

        // A CacheStore field or property of the type (or a base type) is the type's own store; the DI hook.
        private static string StoreExpression(IMethodSymbol method)
        {
            const string fallback = "global::ResultCache.CacheStore.Default";
            for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.BaseType)
            {
                foreach (ISymbol member in type.GetMembers(StoreMemberName))
                {
                    ITypeSymbol? memberType = member switch
                    {
                        IPropertySymbol property => property.Type,
                        IFieldSymbol field => field.Type,
                        _ => null,
                    };
                    if (memberType is null || !InheritsFrom(memberType, CacheStoreType))
                    {
                        continue;
                    }
                    if (member.IsStatic)
                    {
                        return StoreMemberName + " ?? " + fallback;
                    }
                    if (!method.IsStatic)
                    {
                        return "this." + StoreMemberName + " ?? " + fallback;
                    }
                }
            }
            return fallback;
        }

        private static bool Is(ITypeSymbol type, Compilation compilation, string metadataName) =>
            SymbolEqualityComparer.Default.Equals(type, compilation.GetTypeByMetadataName(metadataName));

        private static bool IsCancellationToken(ITypeSymbol type, Compilation compilation) =>
            Is(type, compilation, "System.Threading.CancellationToken");

        private static bool Implements(ITypeSymbol type, string interfaceName) =>
            type.AllInterfaces.Any(i => i.ToDisplayString() == interfaceName) ||
            (type is ITypeParameterSymbol parameter && parameter.ConstraintTypes.Any(c => c.ToDisplayString() == interfaceName || Implements(c, interfaceName)));

        private static bool InheritsFrom(ITypeSymbol type, string baseName)
        {
            for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                if (current.ToDisplayString() == baseName)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>What the parser made of one method. Not a pipeline value: the generator keeps only <see cref="Method"/>.</summary>
    internal sealed class ParseResult(CachedMethodModel? method, List<Diagnostic> diagnostics)
    {
        public CachedMethodModel? Method { get; } = method;

        public List<Diagnostic> Diagnostics { get; } = diagnostics;
    }
}
