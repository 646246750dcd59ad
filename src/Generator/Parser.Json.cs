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
    /// <summary>Finds the JsonSerializerContext named by [CacheSerializer] and, for the analyzer, checks what it can serialize.</summary>
    internal static partial class Parser
    {
        /// <summary>Diagnostic property keys the "add [JsonSerializable]" code fix reads.</summary>
        public const string ContextTypeProperty = "ContextType";
        public const string MissingTypeProperty = "MissingType";

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

        // The result, and every parameter keyed through JSON, must be serializable by the context.
        private static void CheckJson(IMethodSymbol method, MethodDeclarationSyntax syntax, CachedMethodModel model, JsonContext json, Findings findings)
        {
            (_, ITypeSymbol? result) = ClassifyReturn(method, json.Known);
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
