using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ResultCache.Generator.Symbols
{
    /// <summary>
    /// The text of a result's JSON contract as its context writes it: the context's options, member names after
    /// the naming policy and [JsonPropertyName], member types through everything they reach, enum names when enums
    /// are written as strings, and required-ness. Its hash is part of every key, so two versions of a result type
    /// never read each other's entries. What the serializer ignores is left out: member order, methods, private
    /// members, comments.
    /// </summary>
    internal sealed class JsonContract
    {
        // A bound on the walk over a large object graph; the text stays deterministic past it.
        private const int MaxObjectTypes = 500;

        // Options that change only how the JSON is laid out or generated, never what it holds.
        private static readonly HashSet<string> s_layoutOptions = new()
        {
            "WriteIndented", "IndentCharacter", "IndentSize", "NewLine", "GenerationMode", "MaxDepth",
        };

        // One walk per result type and context in a compilation: many methods return the same type, and the
        // transform runs again for every method on each edit.
        private static readonly ConditionalWeakTable<KnownTypes, Walked> s_walked = new();

        private readonly KnownTypes _known;
        private readonly StringBuilder _text = new();
        private readonly Dictionary<ITypeSymbol, int> _objects = new(SymbolEqualityComparer.Default);
        private readonly bool _camelCase;
        private readonly bool _stringEnums;
        private readonly bool _includeFields;
        private readonly bool _ignoreReadOnlyProperties;
        private readonly bool _nullableMatters;

        private JsonContract(INamedTypeSymbol? context, KnownTypes known)
        {
            _known = known;
            AttributeData? options = context?.GetAttributes().FirstOrDefault(a => KnownTypes.Is(a, known.Json.SourceGenerationOptions));
            if (options is null)
            {
                return;
            }
            foreach (TypedConstant argument in options.ConstructorArguments)
            {
                _text.Append(argument.ToCSharpString()).Append(';');
            }
            var named = options.NamedArguments.Where(a => !s_layoutOptions.Contains(a.Key)).OrderBy(a => a.Key, System.StringComparer.Ordinal).ToList();
            foreach (KeyValuePair<string, TypedConstant> argument in named)
            {
                _text.Append(argument.Key).Append('=').Append(argument.Value.ToCSharpString()).Append(';');
            }
            TypedConstant Named(string name) => named.FirstOrDefault(a => a.Key == name).Value;

            // JsonKnownNamingPolicy.CamelCase is 1, and so is JsonSerializerDefaults.Web, which implies it.
            object? policy = Named("PropertyNamingPolicy").Value;
            _camelCase = policy is 1 || (policy is null && options.ConstructorArguments.FirstOrDefault().Value is 1);
            _stringEnums = Named("UseStringEnumConverter").Value is true ||
                (Named("Converters") is { Kind: TypedConstantKind.Array } converters &&
                 converters.Values.Any(c => known.Json.IsStringEnumConverter(c.Value as ITypeSymbol)));
            _includeFields = Named("IncludeFields").Value is true;
            _ignoreReadOnlyProperties = Named("IgnoreReadOnlyProperties").Value is true;
            _nullableMatters = Named("RespectNullableAnnotations").Value is true;
        }

        /// <summary>The contract text of <paramref name="result"/> under <paramref name="context"/>'s options (none without a context).</summary>
        public static string Of(ITypeSymbol result, INamedTypeSymbol? context, KnownTypes known)
        {
            Walked walked = s_walked.GetValue(known, static _ => new Walked());
            return walked.Texts.GetOrAdd((result, context), key =>
            {
                Interlocked.Increment(ref walked.Count);
                var contract = new JsonContract(key.Item2, known);
                contract._text.Append('|');
                contract.Write(key.Item1, stringEnum: false);
                return contract._text.ToString();
            });
        }

        /// <summary>How many contracts have been walked in <paramref name="compilation"/> (for the tests that hold the walk to one per type).</summary>
        internal static int WalksIn(Compilation compilation) =>
            s_walked.TryGetValue(KnownTypes.For(compilation), out Walked? walked) ? walked.Count : 0;

        private void Write(ITypeSymbol type, bool stringEnum)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                _text.Append('?');
                Write(nullable.TypeArguments[0], stringEnum);
                return;
            }
            if (_nullableMatters && type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated)
            {
                _text.Append('?');
            }
            switch (type)
            {
                case ITypeParameterSymbol parameter:
                    // Closed at run time; the key's name part shows the type argument.
                    _text.Append('<').Append(parameter.Name).Append('>');
                    return;
                case IArrayTypeSymbol array:
                    WriteCollection(array.ElementType);
                    return;
                case INamedTypeSymbol named:
                    WriteNamed(named, stringEnum);
                    return;
                default:
                    _text.Append(Name(type));
                    return;
            }
        }

        private void WriteNamed(INamedTypeSymbol type, bool stringEnum)
        {
            ITypeSymbol? converter = ConverterOf(type.GetAttributes());
            if (converter is not null && !_known.Json.IsStringEnumConverter(converter))
            {
                // A custom converter decides the JSON; its name stands for the contract.
                _text.Append("converter ").Append(Name(converter));
                return;
            }
            if (type.TypeKind == TypeKind.Enum)
            {
                WriteEnum(type, stringEnum || _stringEnums || converter is not null);
                return;
            }
            if (type.SpecialType != SpecialType.None)
            {
                _text.Append(Name(type));
                return;
            }
            if ((Generic(type, _known.Dictionary) ?? Generic(type, _known.ReadOnlyDictionary)) is { } dictionary)
            {
                _text.Append('{');
                Write(dictionary.TypeArguments[0], stringEnum: false);
                _text.Append(':');
                Write(dictionary.TypeArguments[1], stringEnum: false);
                _text.Append('}');
                return;
            }
            if (Generic(type, _known.Enumerable) is { } enumerable)
            {
                WriteCollection(enumerable.TypeArguments[0]);
                return;
            }
            if (IsFramework(type))
            {
                // DateTime, Guid, Uri, KeyValuePair<K, V>...: the serializer's own format, named by the type.
                _text.Append(Name(type.OriginalDefinition));
                foreach (ITypeSymbol argument in type.TypeArguments)
                {
                    _text.Append('<');
                    Write(argument, stringEnum: false);
                    _text.Append('>');
                }
                return;
            }
            WriteObject(type);
        }

        private void WriteCollection(ITypeSymbol item)
        {
            // List<T>, T[] and ImmutableArray<T> all write a JSON array.
            _text.Append('[');
            Write(item, stringEnum: false);
            _text.Append(']');
        }

        private void WriteEnum(INamedTypeSymbol type, bool asStrings)
        {
            if (!asStrings)
            {
                // Written as numbers: the member names never reach the JSON.
                _text.Append("enum ").Append(Name(type.EnumUnderlyingType!));
                return;
            }
            var names = type.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue)
                .Select(f => f.GetAttributes().FirstOrDefault(a => KnownTypes.Is(a, _known.Json.StringEnumMemberName))?.ConstructorArguments.FirstOrDefault().Value as string ?? f.Name)
                .OrderBy(n => n, System.StringComparer.Ordinal);
            bool flags = type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute");
            _text.Append(flags ? "flags(" : "enum(").Append(string.Join(",", names)).Append(')');
        }

        private void WriteObject(INamedTypeSymbol type)
        {
            if (_objects.TryGetValue(type, out int seen))
            {
                _text.Append('#').Append(seen); // a cycle, or a type met before: its first place in the walk
                return;
            }
            if (_objects.Count >= MaxObjectTypes)
            {
                _text.Append("...");
                return;
            }
            _objects.Add(type, _objects.Count);
            _text.Append('{');
            foreach (AttributeData attribute in type.GetAttributes().Where(JsonTypes.IsJsonAttribute).OrderBy(Text, System.StringComparer.Ordinal))
            {
                _text.Append('@').Append(Text(attribute));
                if (KnownTypes.Is(attribute, _known.Json.DerivedType) && attribute.ConstructorArguments.FirstOrDefault().Value is ITypeSymbol derived)
                {
                    _text.Append('=');
                    Write(derived, stringEnum: false);
                }
                _text.Append(';');
            }
            foreach (Member member in Members(type).OrderBy(m => m.JsonName, System.StringComparer.Ordinal))
            {
                _text.Append(Quote(member.JsonName));
                if (member.Required)
                {
                    _text.Append('!');
                }
                foreach (string attribute in member.Attributes)
                {
                    _text.Append('@').Append(attribute);
                }
                _text.Append(':');
                Write(member.Type, member.StringEnum);
                _text.Append(';');
            }
            _text.Append('}');
        }

        // What the serializer reads and writes: public instance properties, public fields when the options include
        // fields, and anything marked [JsonInclude]; inherited ones too, the most derived declaration winning.
        private IEnumerable<Member> Members(INamedTypeSymbol type)
        {
            var names = new HashSet<string>();
            for (INamedTypeSymbol? current = type; current is not null && current.SpecialType is SpecialType.None; current = current.BaseType)
            {
                foreach (ISymbol symbol in current.GetMembers())
                {
                    if (symbol.IsStatic || symbol.IsImplicitlyDeclared || !names.Add(symbol.Name))
                    {
                        continue;
                    }
                    MemberAttributes attributes = new(symbol.GetAttributes(), _known);
                    bool included = attributes.Has(_known.Json.Include);
                    (ITypeSymbol? memberType, bool isRequired) = symbol switch
                    {
                        IPropertySymbol { IsIndexer: false } property
                            when included || (property.DeclaredAccessibility == Accessibility.Public &&
                                (property.SetMethod is not null || !_ignoreReadOnlyProperties)) => (property.Type, property.IsRequired),
                        IFieldSymbol field
                            when included || (field.DeclaredAccessibility == Accessibility.Public && _includeFields) => (field.Type, field.IsRequired),
                        _ => (null, false),
                    };
                    if (memberType is null || attributes.IgnoredAlways())
                    {
                        continue;
                    }
                    string jsonName = attributes.PropertyName() ?? (_camelCase ? CamelCase(symbol.Name) : symbol.Name);
                    ITypeSymbol? converter = ConverterOf(symbol.GetAttributes());
                    yield return new Member(
                        jsonName,
                        memberType,
                        isRequired || attributes.Has(_known.Json.Required),
                        _known.Json.IsStringEnumConverter(converter),
                        attributes.Others().Select(Text).OrderBy(t => t, System.StringComparer.Ordinal).ToList());
                }
            }
        }

        private ITypeSymbol? ConverterOf(IEnumerable<AttributeData> attributes) =>
            attributes.FirstOrDefault(a => KnownTypes.Is(a, _known.Json.Converter))?.ConstructorArguments.FirstOrDefault().Value as ITypeSymbol;

        private static INamedTypeSymbol? Generic(INamedTypeSymbol type, INamedTypeSymbol? definition) =>
            definition is null ? null :
            KnownTypes.Is(type.OriginalDefinition, definition) ? type :
            type.AllInterfaces.FirstOrDefault(i => KnownTypes.Is(i.OriginalDefinition, definition));

        private static bool IsFramework(INamedTypeSymbol type)
        {
            INamespaceSymbol? root = type.ContainingNamespace;
            while (root?.ContainingNamespace is { IsGlobalNamespace: false } outer)
            {
                root = outer;
            }
            return root?.Name is "System" or "Microsoft" && type.Locations.All(l => l.IsInMetadata);
        }

        private static string Name(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

        private static string Text(AttributeData attribute) =>
            attribute.AttributeClass?.Name + "(" +
            string.Join(",", attribute.ConstructorArguments.Select(a => a.ToCSharpString())
                .Concat(attribute.NamedArguments.Select(a => a.Key + "=" + a.Value.ToCSharpString()))) + ")";

        private static string Quote(string name) => SymbolDisplay.FormatLiteral(name, quote: true);

        /// <summary>System.Text.Json's camel case: lower the leading run of capitals, keeping the last before a lower-case letter.</summary>
        internal static string CamelCase(string name)
        {
            if (name.Length == 0 || !char.IsUpper(name[0]))
            {
                return name;
            }
            char[] chars = name.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (i == 1 && !char.IsUpper(chars[i]))
                {
                    break;
                }
                bool hasNext = i + 1 < chars.Length;
                if (i > 0 && hasNext && !char.IsUpper(chars[i + 1]))
                {
                    if (chars[i + 1] == ' ')
                    {
                        chars[i] = char.ToLowerInvariant(chars[i]);
                    }
                    break;
                }
                chars[i] = char.ToLowerInvariant(chars[i]);
            }
            return new string(chars);
        }

        private sealed class Walked
        {
            public readonly ConcurrentDictionary<(ITypeSymbol, INamedTypeSymbol?), string> Texts = new(ResultAndContext.Comparer);
            public int Count;
        }

        private sealed class ResultAndContext : IEqualityComparer<(ITypeSymbol Result, INamedTypeSymbol? Context)>
        {
            public static readonly ResultAndContext Comparer = new();

            // With nullability: under RespectNullableAnnotations, Report? and Report are different contracts.
            public bool Equals((ITypeSymbol Result, INamedTypeSymbol? Context) x, (ITypeSymbol Result, INamedTypeSymbol? Context) y) =>
                SymbolEqualityComparer.IncludeNullability.Equals(x.Result, y.Result) && SymbolEqualityComparer.Default.Equals(x.Context, y.Context);

            public int GetHashCode((ITypeSymbol Result, INamedTypeSymbol? Context) key) =>
                SymbolEqualityComparer.Default.GetHashCode(key.Result) * 31 + SymbolEqualityComparer.Default.GetHashCode(key.Context);
        }

        private sealed class Member
        {
            public Member(string jsonName, ITypeSymbol type, bool required, bool stringEnum, List<string> attributes)
            {
                JsonName = jsonName;
                Type = type;
                Required = required;
                StringEnum = stringEnum;
                Attributes = attributes;
            }

            public string JsonName { get; }
            public ITypeSymbol Type { get; }
            public bool Required { get; }
            public bool StringEnum { get; }
            public List<string> Attributes { get; }
        }

        /// <summary>A member's System.Text.Json attributes, split into those the walk reads and the rest.</summary>
        private sealed class MemberAttributes
        {
            private readonly System.Collections.Immutable.ImmutableArray<AttributeData> _all;
            private readonly KnownTypes _known;

            public MemberAttributes(System.Collections.Immutable.ImmutableArray<AttributeData> all, KnownTypes known)
            {
                _all = all;
                _known = known;
            }

            public bool Has(INamedTypeSymbol? attribute)
            {
                foreach (AttributeData data in _all)
                {
                    if (KnownTypes.Is(data, attribute))
                    {
                        return true;
                    }
                }
                return false;
            }

            public string? PropertyName()
            {
                INamedTypeSymbol? propertyName = _known.Json.PropertyName;
                return _all.FirstOrDefault(a => KnownTypes.Is(a, propertyName))?.ConstructorArguments.FirstOrDefault().Value as string;
            }

            // [JsonIgnore] without a condition, or with JsonIgnoreCondition.Always (1): never in the JSON.
            public bool IgnoredAlways()
            {
                INamedTypeSymbol? ignore = _known.Json.Ignore;
                AttributeData? data = _all.FirstOrDefault(a => KnownTypes.Is(a, ignore));
                return data is not null && data.NamedArguments.FirstOrDefault(a => a.Key == "Condition").Value.Value is null or 1;
            }

            // The rest can change the JSON (a conditional ignore, number handling, a converter); the order, the name,
            // inclusion and required-ness are read above.
            public IEnumerable<AttributeData> Others()
            {
                JsonTypes json = _known.Json;
                return _all.Where(a => JsonTypes.IsJsonAttribute(a) &&
                    !KnownTypes.Is(a, json.PropertyName) && !KnownTypes.Is(a, json.Include) &&
                    !KnownTypes.Is(a, json.Required) && !KnownTypes.Is(a, json.PropertyOrder) &&
                    !(KnownTypes.Is(a, json.Ignore) && IgnoredAlways()));
            }
        }
    }
}
