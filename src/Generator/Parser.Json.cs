using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace ResultCache.Generator
{
    /// <summary>Finds the JsonSerializerContext named by [CacheSerializer] and checks what it can serialize.</summary>
    internal static partial class Parser
    {
        private const string CacheSerializerAttribute = "ResultCache.CacheSerializerAttribute";
        private const string JsonContextType = "System.Text.Json.Serialization.JsonSerializerContext";
        private const string JsonSerializableAttribute = "System.Text.Json.Serialization.JsonSerializableAttribute";

        /// <summary>Diagnostic property keys the "add [JsonSerializable]" code fix reads.</summary>
        public const string ContextTypeProperty = "ContextType";
        public const string MissingTypeProperty = "MissingType";

        private static JsonContext? FindJsonContext(IMethodSymbol method, Compilation compilation, List<Diagnostic> diagnostics, Location nameLocation, CancellationToken cancellationToken)
        {
            AttributeData? attribute = null;
            for (INamedTypeSymbol? type = method.ContainingType; type is not null && attribute is null; type = type.ContainingType)
            {
                attribute = FindAttribute(type.GetAttributes(), CacheSerializerAttribute);
            }
            attribute ??= FindAttribute(compilation.Assembly.GetAttributes(), CacheSerializerAttribute);
            if (attribute is null)
            {
                diagnostics.Add(Diagnostic.Create(Diagnostics.NoJsonContext, nameLocation, method.Name));
                return null;
            }
            TypedConstant argument = attribute.ConstructorArguments.FirstOrDefault();
            if (argument.Value is INamedTypeSymbol context && InheritsFrom(context, JsonContextType))
            {
                return new JsonContext(context, SerializableTypes(context));
            }
            Location? location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            diagnostics.Add(Diagnostic.Create(Diagnostics.NotAJsonContext, location, argument.Value?.ToString() ?? "null"));
            return null;
        }

        private static void RequireSerializable(JsonContext json, ITypeSymbol type, Location? location, string user, List<Diagnostic> diagnostics)
        {
            if (json.CanSerialize(type))
            {
                return;
            }
            ITypeSymbol missing = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
            ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty
                .Add(ContextTypeProperty, MetadataName(json.Type))
                .Add(MissingTypeProperty, missing.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
            diagnostics.Add(Diagnostic.Create(Diagnostics.NotInJsonContext, location, properties,
                json.Type.Name, missing.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), user));
        }

        // The types a source-generated context can serialize: its [JsonSerializable] roots and what they reach
        // through properties, collection items and nullable wrappers, as System.Text.Json's own generator does.
        private static HashSet<ITypeSymbol> SerializableTypes(INamedTypeSymbol context)
        {
            var found = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
            var pending = new Queue<ITypeSymbol>();
            foreach (AttributeData attribute in context.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == JsonSerializableAttribute &&
                    attribute.ConstructorArguments.FirstOrDefault().Value is ITypeSymbol root)
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

        private static string MetadataName(INamedTypeSymbol type) => type.ContainingType is { } outer
            ? MetadataName(outer) + "+" + type.MetadataName
            : (type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString() + ".") + type.MetadataName;

        private static AttributeData? FindAttribute(ImmutableArray<AttributeData> attributes, string name) =>
            attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == name);

        /// <summary>A named JsonSerializerContext and the types it serializes.</summary>
        private sealed class JsonContext(INamedTypeSymbol type, HashSet<ITypeSymbol> serializable)
        {
            public INamedTypeSymbol Type { get; } = type;

            public bool CanSerialize(ITypeSymbol candidate) =>
                candidate is ITypeParameterSymbol || // checked at run time, when the closed type is known
                serializable.Contains(candidate.WithNullableAnnotation(NullableAnnotation.NotAnnotated)) ||
                (candidate is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable &&
                 serializable.Contains(nullable.TypeArguments[0]));
        }
    }
}
