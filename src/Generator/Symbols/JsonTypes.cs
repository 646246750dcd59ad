using System;
using Microsoft.CodeAnalysis;

namespace ResultCache.Generator.Symbols
{
    /// <summary>The System.Text.Json attributes and converters that decide what a result's JSON looks like.</summary>
    internal sealed class JsonTypes
    {
        private const string Namespace = "System.Text.Json.Serialization.";

        public JsonTypes(Func<string, INamedTypeSymbol?> get)
        {
            SourceGenerationOptions = get(Namespace + "JsonSourceGenerationOptionsAttribute");
            PropertyName = get(Namespace + "JsonPropertyNameAttribute");
            Ignore = get(Namespace + "JsonIgnoreAttribute");
            Include = get(Namespace + "JsonIncludeAttribute");
            Required = get(Namespace + "JsonRequiredAttribute");
            PropertyOrder = get(Namespace + "JsonPropertyOrderAttribute");
            Converter = get(Namespace + "JsonConverterAttribute");
            DerivedType = get(Namespace + "JsonDerivedTypeAttribute");
            StringEnumMemberName = get(Namespace + "JsonStringEnumMemberNameAttribute");
            StringEnumConverter = get(Namespace + "JsonStringEnumConverter");
            StringEnumConverterOfT = get(Namespace + "JsonStringEnumConverter`1");
        }

        public INamedTypeSymbol? SourceGenerationOptions { get; }
        public INamedTypeSymbol? PropertyName { get; }
        public INamedTypeSymbol? Ignore { get; }
        public INamedTypeSymbol? Include { get; }
        public INamedTypeSymbol? Required { get; }
        public INamedTypeSymbol? PropertyOrder { get; }
        public INamedTypeSymbol? Converter { get; }
        public INamedTypeSymbol? DerivedType { get; }
        public INamedTypeSymbol? StringEnumMemberName { get; }
        public INamedTypeSymbol? StringEnumConverter { get; }
        public INamedTypeSymbol? StringEnumConverterOfT { get; }

        /// <summary>Whether the attribute is one of System.Text.Json's serialization attributes.</summary>
        public static bool IsJsonAttribute(AttributeData attribute) =>
            attribute.AttributeClass?.ContainingNamespace.ToDisplayString() == "System.Text.Json.Serialization";

        public bool IsStringEnumConverter(ITypeSymbol? type) =>
            type is not null && (KnownTypes.Is(type, StringEnumConverter) || KnownTypes.Is(type.OriginalDefinition, StringEnumConverterOfT));
    }
}
