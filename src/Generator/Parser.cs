using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResultCache.Generator.Helpers;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    /// <summary>Turns a [CacheResult] method's symbols into a <see cref="CachedMethodModel"/> and diagnostics.</summary>
    internal static class Parser
    {
        public const string CacheResultAttribute = "ResultCache.CacheResultAttribute";
        private const string CacheKeyIgnoreAttribute = "ResultCache.CacheKeyIgnoreAttribute";
        private const string CacheSerializerAttribute = "ResultCache.CacheSerializerAttribute";
        private const string CacheKeyInterface = "ResultCache.ICacheKey";
        private const string CacheStoreType = "ResultCache.CacheStore";
        private const string StoreMemberName = "CacheStore";
        private const string JsonContextType = "System.Text.Json.Serialization.JsonSerializerContext";
        private const string JsonSerializableAttribute = "System.Text.Json.Serialization.JsonSerializableAttribute";

        private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        // Types with a CacheKeyWriter.Write overload (besides the SpecialType primitives).
        private static readonly HashSet<string> s_valueTypesByName = new()
        {
            "System.Guid", "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly", "System.TimeSpan", "System.Int128", "System.UInt128",
        };

        // Ordered collections only: a set's order depends on hash codes, which differ between processes.
        private static readonly HashSet<string> s_orderedCollections = new()
        {
            "System.Collections.Generic.List`1",
            "System.Collections.Generic.IList`1",
            "System.Collections.Generic.IReadOnlyList`1",
            "System.Collections.Generic.ICollection`1",
            "System.Collections.Generic.IReadOnlyCollection`1",
        };

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var method = (IMethodSymbol)context.TargetSymbol;
            var syntax = (MethodDeclarationSyntax)context.TargetNode;
            Compilation compilation = context.SemanticModel.Compilation;
            var diagnostics = new List<DiagnosticInfo>();
            Location nameLocation = syntax.Identifier.GetLocation();

            string? notPartial = WhyNotPartialDefinition(method, syntax);
            if (notPartial is not null)
            {
                // No partial definition to implement, so nothing is emitted: the user's own code stands.
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotPartial, nameLocation, method.Name, notPartial));
                return new ParseResult(null, diagnostics.ToEquatableArray());
            }

            AttributeData attribute = context.Attributes[0];
            int ttl = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int seconds ? seconds : 0;
            if (ttl <= 0)
            {
                Location ttlLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? nameLocation;
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidTtl, ttlLocation, ttl.ToString(), method.Name));
            }
            bool cacheNulls = attribute.NamedArguments.Any(a => a.Key == "CacheNulls" && a.Value.Value is true);

            if (method.IsGenericMethod)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.GenericMethod, nameLocation, method.Name));
            }

            (ReturnShape shape, ITypeSymbol? result) = ClassifyReturn(method, compilation);
            if (result is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedReturn, syntax.ReturnType.GetLocation(), method.Name, method.ReturnType.ToDisplayString()));
            }

            INamedTypeSymbol? jsonContext = FindSerializerContext(method, compilation, diagnostics, cancellationToken);
            HashSet<ITypeSymbol>? serializable = jsonContext is null ? null : SerializableTypes(jsonContext, compilation);
            if (result is not null && serializable is not null && !IsSerializable(result, serializable))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotInJsonContext, syntax.ReturnType.GetLocation(),
                    jsonContext!.Name, result.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), method.Name));
            }

            INamedTypeSymbol cancellationTokenType = compilation.GetTypeByMetadataName("System.Threading.CancellationToken")!;
            var parameters = new List<ParameterModel>();
            string? tokenParameter = null;
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                parameters.Add(ParseParameter(parameter, cancellationTokenType, serializable, jsonContext, diagnostics));
                if (tokenParameter is null && SymbolEqualityComparer.Default.Equals(parameter.Type, cancellationTokenType))
                {
                    tokenParameter = parameter.Name;
                }
            }

            if (!method.IsGenericMethod && !HasMatchingCore(method))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.CoreMissing, nameLocation, method.Name, CoreSignature(method)));
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
                ReturnType: method.ReturnType.ToDisplayString(s_typeFormat),
                Shape: shape,
                ResultType: result?.ToDisplayString(s_typeFormat) ?? "object",
                IsStatic: method.IsStatic,
                Parameters: parameters.ToEquatableArray(),
                CancellationTokenParameter: tokenParameter,
                TtlSeconds: ttl,
                CacheNulls: cacheNulls,
                KeyNameExpression: KeyNameExpression(method),
                Signature: signature,
                SerializerContext: jsonContext?.ToDisplayString(s_typeFormat),
                StoreExpression: StoreExpression(method),
                ReceiverInKey: !method.IsStatic && Implements(type, CacheKeyInterface),
                HintName: HintName(method, signature),
                // With an error, emit a throwing body anyway so the user sees our diagnostic, not CS8795 beside it.
                StubForError: diagnostics.Count > 0 ? diagnostics[0].Id : null);
            return new ParseResult(model, diagnostics.ToEquatableArray());
        }

        private static string? WhyNotPartialDefinition(IMethodSymbol method, MethodDeclarationSyntax syntax)
        {
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return "add 'partial' and remove the body";
            }
            if (syntax.Body is not null || syntax.ExpressionBody is not null)
            {
                return "remove the body and move it into a method named '" + method.Name + "Core'";
            }
            if (method.PartialImplementationPart is not null)
            {
                return "another declaration already implements it; remove that implementation";
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
                if (SymbolEqualityComparer.Default.Equals(definition, compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1")))
                {
                    return (ReturnShape.Task, named.TypeArguments[0]);
                }
                if (SymbolEqualityComparer.Default.Equals(definition, compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1")))
                {
                    return (ReturnShape.ValueTask, named.TypeArguments[0]);
                }
                if (SymbolEqualityComparer.Default.Equals(definition, compilation.GetTypeByMetadataName("System.Collections.Generic.IAsyncEnumerable`1")))
                {
                    return (ReturnShape.Sync, null);
                }
            }
            string name = type.ToDisplayString();
            if (name is "System.Threading.Tasks.Task" or "System.Threading.Tasks.ValueTask")
            {
                return (ReturnShape.Sync, null);
            }
            return (ReturnShape.Sync, type);
        }

        private static ParameterModel ParseParameter(
            IParameterSymbol parameter, INamedTypeSymbol cancellationTokenType,
            HashSet<ITypeSymbol>? serializable, INamedTypeSymbol? jsonContext, List<DiagnosticInfo> diagnostics)
        {
            Location? location = parameter.Locations.FirstOrDefault();
            string type = parameter.Type.ToDisplayString(s_typeFormat);
            string modifier = parameter.IsParams ? "params " : parameter.RefKind switch
            {
                RefKind.Ref => "ref ",
                RefKind.Out => "out ",
                RefKind.In => "in ",
                _ => string.Empty,
            };
            string? refusal = parameter.RefKind switch
            {
                RefKind.Ref => "'ref'",
                RefKind.Out => "'out'",
                RefKind.In => "'in'",
                _ => parameter.Type is IPointerTypeSymbol or IFunctionPointerTypeSymbol ? "a pointer"
                    : parameter.Type.IsRefLikeType ? "a ref struct" : null,
            };
            if (refusal is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedParameterKind, location, parameter.Name, refusal));
                return new ParameterModel(parameter.Name, type, modifier, KeyEncoding.Ignored, IsCollection: false);
            }

            if (SymbolEqualityComparer.Default.Equals(parameter.Type, cancellationTokenType) ||
                parameter.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == CacheKeyIgnoreAttribute))
            {
                return new ParameterModel(parameter.Name, type, modifier, KeyEncoding.Ignored, IsCollection: false);
            }

            KeyEncoding? encoding = Encode(parameter.Type);
            if (encoding is not null)
            {
                return new ParameterModel(parameter.Name, type, modifier, encoding.Value, IsCollection: false);
            }

            ITypeSymbol? item = OrderedCollectionItem(parameter.Type);
            KeyEncoding? itemEncoding = item is null ? null : Encode(item);
            if (itemEncoding is not null)
            {
                return new ParameterModel(parameter.Name, type, modifier, itemEncoding.Value, IsCollection: true);
            }

            if (serializable is not null && IsSerializable(parameter.Type, serializable))
            {
                return new ParameterModel(parameter.Name, type, modifier, KeyEncoding.Json, IsCollection: false);
            }

            string shortType = parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            diagnostics.Add(jsonContext is null || parameter.Type is ITypeParameterSymbol
                ? DiagnosticInfo.Create(Diagnostics.NoKeyEncoding, location, parameter.Name, shortType)
                : DiagnosticInfo.Create(Diagnostics.NotInJsonContext, location, jsonContext.Name, shortType, parameter.ContainingSymbol.Name));
            return new ParameterModel(parameter.Name, type, modifier, KeyEncoding.Ignored, IsCollection: false);
        }

        private static KeyEncoding? Encode(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
            }
            if (type.TypeKind == TypeKind.Enum)
            {
                return KeyEncoding.Enum;
            }
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean:
                case SpecialType.System_Byte:
                case SpecialType.System_SByte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Char:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                case SpecialType.System_Decimal:
                case SpecialType.System_String:
                case SpecialType.System_DateTime:
                    return KeyEncoding.Value;
            }
            if (s_valueTypesByName.Contains(type.ToDisplayString()))
            {
                return KeyEncoding.Value;
            }
            if (Implements(type, CacheKeyInterface))
            {
                return KeyEncoding.CacheKey;
            }
            return null;
        }

        private static ITypeSymbol? OrderedCollectionItem(ITypeSymbol type) => type switch
        {
            IArrayTypeSymbol { Rank: 1 } array => array.ElementType,
            INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                when s_orderedCollections.Contains(MetadataName(named.ConstructedFrom)) => named.TypeArguments[0],
            _ => null,
        };

        private static INamedTypeSymbol? FindSerializerContext(IMethodSymbol method, Compilation compilation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            AttributeData? attribute = null;
            for (INamedTypeSymbol? type = method.ContainingType; type is not null && attribute is null; type = type.ContainingType)
            {
                attribute = FindAttribute(type.GetAttributes(), CacheSerializerAttribute);
            }
            attribute ??= FindAttribute(compilation.Assembly.GetAttributes(), CacheSerializerAttribute);
            if (attribute is null)
            {
                return null;
            }
            if (attribute.ConstructorArguments.FirstOrDefault().Value is INamedTypeSymbol context &&
                InheritsFrom(context, JsonContextType))
            {
                return context;
            }
            Location? location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotAJsonContext, location,
                attribute.ConstructorArguments.FirstOrDefault().Value?.ToString() ?? "null"));
            return null;
        }

        // The types a source-generated context can serialize: its [JsonSerializable] roots and what they reach
        // through properties, collection items and nullable wrappers, as System.Text.Json's own generator does.
        private static HashSet<ITypeSymbol> SerializableTypes(INamedTypeSymbol context, Compilation compilation)
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

        private static bool IsSerializable(ITypeSymbol type, HashSet<ITypeSymbol> serializable) =>
            type is ITypeParameterSymbol || // checked at run time, when the closed type is known
            serializable.Contains(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)) ||
            (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable &&
             serializable.Contains(nullable.TypeArguments[0]));

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

        // "Ns.Outer<T>.Method" with each type parameter replaced by the closed type at run time,
        // so Outer<int> and Outer<string> never share entries.
        private static string KeyNameExpression(IMethodSymbol method)
        {
            var parts = new List<string>();
            var text = new System.Text.StringBuilder();
            INamespaceSymbol ns = method.ContainingType.ContainingNamespace;
            if (!ns.IsGlobalNamespace)
            {
                text.Append(ns.ToDisplayString()).Append('.');
            }
            foreach (INamedTypeSymbol type in ContainingTypeChain(method.ContainingType))
            {
                text.Append(type.Name);
                if (type.TypeParameters.Length > 0)
                {
                    text.Append('<');
                    for (int i = 0; i < type.TypeParameters.Length; i++)
                    {
                        text.Append(i == 0 ? string.Empty : ",");
                        parts.Add(Literal(text.ToString()));
                        parts.Add("typeof(" + type.TypeParameters[i].Name + ")");
                        text.Clear();
                    }
                    text.Append('>');
                }
                text.Append('.');
            }
            text.Append(method.Name);
            parts.Add(Literal(text.ToString()));
            return string.Join(" + ", parts.Where(p => p != "\"\""));
        }

        private static IEnumerable<ContainingTypeModel> ContainingTypes(INamedTypeSymbol type) =>
            ContainingTypeChain(type).Select(t => new ContainingTypeModel(
                Keyword(t),
                t.TypeParameters.Length == 0 ? t.Name : t.Name + "<" + string.Join(", ", t.TypeParameters.Select(p => p.Name)) + ">"));

        private static IEnumerable<INamedTypeSymbol> ContainingTypeChain(INamedTypeSymbol type)
        {
            var chain = new Stack<INamedTypeSymbol>();
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                chain.Push(current);
            }
            return chain;
        }

        private static string Keyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, IsValueType: true } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };

        private static string HintName(IMethodSymbol method, string signature)
        {
            string type = method.ContainingType.ToDisplayString();
            // Outer<T, U>.Inner becomes Outer_T_U.Inner: file-name safe, and distinct per generic arity.
            string safe = type.Replace("<", "_").Replace(", ", "_").Replace(">", string.Empty);
            return safe + "." + method.Name + "." + signature + ".g.cs";
        }

        private static string Literal(string text) => SymbolDisplay.FormatLiteral(text, quote: true);

        private static AttributeData? FindAttribute(ImmutableArray<AttributeData> attributes, string name) =>
            attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == name);

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

        private static string MetadataName(INamedTypeSymbol type) =>
            type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;
    }
}
