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
    /// <summary>
    /// Every misuse of a [CacheResult] method, for the analyzer: what <see cref="MethodReader"/> finds while reading,
    /// kept whole, and the checks only a diagnostic needs, which the generated code does not depend on (what the JSON
    /// context can serialize; a store member under another name).
    /// </summary>
    internal static class MethodValidator
    {
        /// <summary>Diagnostic property keys the "add [JsonSerializable]" code fix reads.</summary>
        public const string ContextTypeProperty = "ContextType";
        public const string MissingTypeProperty = "MissingType";

        /// <summary>The property of <see cref="Diagnostics.StoreMemberMisnamed"/> that names the member holding the store.</summary>
        public const string StoreMemberProperty = "StoreMember";

        /// <summary>Every misuse of the method, for the analyzer.</summary>
        public static IReadOnlyList<Diagnostic> Validate(IMethodSymbol method, MethodDeclarationSyntax syntax, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
        {
            Findings findings = Findings.ForAnalyzer();
            KnownTypes known = KnownTypes.For(compilation);
            (CachedMethodModel? model, INamedTypeSymbol? context) = MethodReader.Read(method, syntax, attribute, known, compilation, findings, cancellationToken);
            if (model is not null && context is not null)
            {
                CheckJson(method, syntax, model, new JsonContext(context, known), findings);
            }
            if (model?.Store == StoreSource.Default && StoreUnderAnotherName(method, known, cancellationToken) is { } other)
            {
                findings.Add(Diagnostics.StoreMemberMisnamed, syntax.Identifier.GetLocation(),
                    ImmutableDictionary.Create<string, string?>().Add(StoreMemberProperty, other), method.Name, other);
            }
            return findings.Diagnostics;
        }

        // A field, property or primary-constructor parameter holding a CacheStore under another name: the usual DI shape
        // (a _store field, or a (CacheStore store) parameter) that the generator would otherwise ignore without a word.
        private static string? StoreUnderAnotherName(IMethodSymbol method, KnownTypes known, CancellationToken cancellationToken)
        {
            INamedTypeSymbol type = method.ContainingType;
            bool Holds(ITypeSymbol t) => KnownTypes.InheritsFrom(t, known.CacheStore);
            foreach (ISymbol member in type.GetMembers())
            {
                if (member.IsImplicitlyDeclared || member.Name == MethodReader.StoreMemberName || (method.IsStatic && !member.IsStatic))
                {
                    continue;
                }
                if ((member is IFieldSymbol field && Holds(field.Type)) || (member is IPropertySymbol property && !property.IsIndexer && Holds(property.Type)))
                {
                    return member.Name;
                }
            }
            if (!method.IsStatic)
            {
                foreach (IMethodSymbol constructor in type.InstanceConstructors)
                {
                    bool primary = constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax);
                    if (primary && constructor.Parameters.FirstOrDefault(p => Holds(p.Type)) is { } parameter)
                    {
                        return parameter.Name;
                    }
                }
            }
            return null;
        }

        // The result, and every parameter keyed through JSON, must be serializable by the context.
        private static void CheckJson(IMethodSymbol method, MethodDeclarationSyntax syntax, CachedMethodModel model, JsonContext json, Findings findings)
        {
            (_, ITypeSymbol? result) = MethodReader.ClassifyReturn(method, json.Known);
            if (result is not null)
            {
                RequireSerializable(json, result, syntax.ReturnType.GetLocation(), method.Name, findings);
            }
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                IParameterSymbol parameter = method.Parameters[i];
                if (model.Parameters.AsSpan()[i].Encoding != KeyEncoding.Json || json.CanSerialize(parameter.Type))
                {
                    continue;
                }
                Location? location = parameter.Locations.FirstOrDefault();
                if (IsDeclaredInSource(parameter.Type))
                {
                    RequireSerializable(json, parameter.Type, location, method.Name, findings);
                }
                else
                {
                    // Framework types such as Type or Stream cannot be added to the context.
                    findings.Add(Diagnostics.NoKeyEncoding, location,
                        parameter.Name, parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
                }
            }
        }

        private static bool IsDeclaredInSource(ITypeSymbol type) => KnownTypes.UnwrapNullable(type).Locations.Any(l => l.IsInSource);

        private static void RequireSerializable(JsonContext json, ITypeSymbol type, Location? location, string user, Findings findings)
        {
            if (json.CanSerialize(type))
            {
                return;
            }
            ITypeSymbol missing = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
            ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty
                .Add(ContextTypeProperty, MetadataName(json.Type))
                .Add(MissingTypeProperty, missing.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
            findings.Add(Diagnostics.NotInJsonContext, location, properties,
                json.Type.Name, missing.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), user);
        }

        private static string MetadataName(INamedTypeSymbol type) => type.ContainingType is { } outer
            ? MetadataName(outer) + "+" + type.MetadataName
            : (type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString() + ".") + type.MetadataName;

        /// <summary>A named JsonSerializerContext and the types it serializes.</summary>
        private sealed class JsonContext
        {
            private readonly HashSet<ITypeSymbol> _serializable;

            public JsonContext(INamedTypeSymbol type, KnownTypes known)
            {
                Type = type;
                Known = known;
                _serializable = SerializableTypes(type, known);
            }

            public INamedTypeSymbol Type { get; }

            public KnownTypes Known { get; }

            public bool CanSerialize(ITypeSymbol candidate) =>
                candidate is ITypeParameterSymbol || // checked at run time, when the closed type is known
                _serializable.Contains(candidate.WithNullableAnnotation(NullableAnnotation.NotAnnotated)) ||
                _serializable.Contains(KnownTypes.UnwrapNullable(candidate));

            // The types a source-generated context can serialize: its [JsonSerializable] roots and what they reach
            // through properties, collection items and nullable wrappers, as System.Text.Json's own generator does.
            private static HashSet<ITypeSymbol> SerializableTypes(INamedTypeSymbol context, KnownTypes known)
            {
                var found = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
                var pending = new Queue<ITypeSymbol>();
                foreach (AttributeData attribute in context.GetAttributes())
                {
                    if (KnownTypes.Is(attribute, known.JsonSerializableAttribute) && attribute.ConstructorArguments.FirstOrDefault().Value is ITypeSymbol root)
                    {
                        pending.Enqueue(root);
                    }
                }
                while (pending.Count > 0 && found.Count < 2000)
                {
                    ITypeSymbol type = pending.Dequeue();
                    if (!found.Add(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)))
                    {
                        continue;
                    }
                    if (type is IArrayTypeSymbol array)
                    {
                        pending.Enqueue(array.ElementType);
                        continue;
                    }
                    if (type is not INamedTypeSymbol named || named.SpecialType != SpecialType.None)
                    {
                        continue;
                    }
                    foreach (ITypeSymbol argument in named.TypeArguments)
                    {
                        pending.Enqueue(argument);
                    }
                    foreach (IPropertySymbol property in named.GetMembers().OfType<IPropertySymbol>())
                    {
                        if (!property.IsStatic && property.DeclaredAccessibility == Accessibility.Public && !property.IsIndexer)
                        {
                            pending.Enqueue(property.Type);
                        }
                    }
                }
                return found;
            }
        }
    }
}
