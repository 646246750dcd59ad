using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResultCache.Generator.Helpers;
using ResultCache.Generator.Model;
using ResultCache.Generator.Symbols;

namespace ResultCache.Generator
{
    /// <summary>
    /// Reads a [CacheResult] method's symbols into the facts the emitter needs. <see cref="Parse"/> is the generator's
    /// transform: what it finds wrong goes to <see cref="Findings.ForGenerator"/>, which keeps the first error's id
    /// (the method then gets a throwing body) and builds no diagnostic. <see cref="MethodValidator"/> reads through
    /// <see cref="Read"/> too, and adds the analyzer's own checks.
    /// </summary>
    internal static partial class MethodReader
    {
        internal const string StoreMemberName = "CacheStore";

        private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>
        /// The model the generator emits from. Without one (no partial declaration to implement), the error a build
        /// would otherwise never show: a partial method in a type chain that is not partial makes the compiler report
        /// CS8795 or CS0751, and a build with compiler errors drops analyzer diagnostics, so the generator reports
        /// RC0001 itself. (The analyzer reports it too, for the IDE and its code fix.)
        /// </summary>
        public static ParsedMethod Parse(IMethodSymbol method, MethodDeclarationSyntax syntax, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
        {
            CachedMethodModel? model = Read(method, syntax, attribute, KnownTypes.For(compilation), compilation, Findings.ForGenerator(), cancellationToken).Model;
            string? outer = model is null && IsPartialDeclaration(syntax) ? FirstTypeNotPartial(syntax) : null;
            DiagnosticModel? error = outer is null ? null
                : DiagnosticModel.Create(Diagnostics.NotPartial, syntax.Identifier.GetLocation(), method.Name, MakePartial(outer));
            return new ParsedMethod(model, error);
        }

        /// <summary>The facts of the method and the JSON context it names; what is wrong with it goes to <paramref name="findings"/>.</summary>
        internal static (CachedMethodModel? Model, INamedTypeSymbol? JsonContext) Read(
            IMethodSymbol method, MethodDeclarationSyntax syntax, AttributeData attribute, KnownTypes known, Compilation compilation,
            Findings findings, CancellationToken cancellationToken)
        {
            Location nameLocation = syntax.Identifier.GetLocation();
            string? notCacheable = WhyNotCacheable(method, known);
            if (notCacheable is not null)
            {
                findings.Add(Diagnostics.NotCacheable, nameLocation, method.Name, notCacheable);
                return (null, null);
            }
            string? notPartial = WhyNotPartialDefinition(method, syntax);
            if (notPartial is not null)
            {
                // No partial definition to implement, so nothing is emitted: the user's own code stands.
                findings.Add(Diagnostics.NotPartial, nameLocation, method.Name, notPartial);
                return (null, null);
            }

            int ttl = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int seconds ? seconds : 0;
            if (ttl <= 0)
            {
                Location ttlLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? nameLocation;
                findings.Add(Diagnostics.InvalidTtl, ttlLocation, ttl.ToString(), method.Name);
            }
            bool cacheNulls = attribute.NamedArguments.Any(a => a.Key == "CacheNulls" && a.Value.Value is true);
            bool acrossInstances = attribute.NamedArguments.Any(a => a.Key == "SingleFlightAcrossInstances" && a.Value.Value is true);
            int jitter = IntOption(attribute, "TtlJitterPercent", 0, 50, "use 0 (off) to 50 percent", method, findings, cancellationToken);
            int failSafe = IntOption(attribute, "FailSafeSeconds", 0, int.MaxValue, "use 0 (off) or a number of seconds", method, findings, cancellationToken);
            (int refreshAhead, int softTimeout, int hardTimeout) = ReadStaleness(method, attribute, failSafe, findings, cancellationToken);

            if (method.IsGenericMethod)
            {
                findings.Add(Diagnostics.GenericMethod, nameLocation, method.Name);
            }

            (ReturnShape shape, ITypeSymbol? result) = ClassifyReturn(method, known);
            if (result is null)
            {
                findings.Add(Diagnostics.UnsupportedReturn, syntax.ReturnType.GetLocation(), method.Name, method.ReturnType.ToDisplayString());
            }

            TtlFromModel? ttlFrom = result is null ? null : ReadTtlFrom(method, attribute, result, ttl, findings, cancellationToken);
            INamedTypeSymbol? json = FindJsonContext(method, compilation, known, findings, nameLocation, cancellationToken);
            var parameters = method.Parameters.Select(p => ParseParameter(p, known, json is not null, findings)).ToList();
            List<TagModel> tags = ParseTags(method, attribute, known, findings, cancellationToken);
            BatchModel? batch = ReadBatch(method, attribute, result, shape, parameters, compilation, findings, cancellationToken);
            bool emitInvalidator = !InvalidatorTaken(method, parameters, known, nameLocation, findings);

            if (!method.IsGenericMethod && !HasMatchingCore(method))
            {
                findings.Add(Diagnostics.CoreMissing, nameLocation, method.Name, CoreSignature(method));
            }

            int version = IntOption(attribute, "Version", 0, int.MaxValue, "use 0 (the default) or a positive number", method, findings, cancellationToken);
            INamedTypeSymbol type = method.ContainingType;
            string declaration = method.ReturnType.ToDisplayString(s_typeFormat) + "(" +
                string.Join(",", method.Parameters.Select((p, i) => p.Type.ToDisplayString(s_typeFormat) + ":" + parameters[i].Encoding)) + ")";
            // The declaration's hash tells overloads apart in member and file names, which stay put when only the
            // result's shape changes; the key's signature adds that shape, the manual version, and what changes how an
            // entry reads: a build that caches nulls, or frames entries (fail-safe, refresh-ahead, a TTL chosen by the
            // result), never shares entries with one that does not.
            string overloadId = StableHash.Hex32(declaration);
            string signature = StableHash.Hex32(
                declaration + (result is null ? string.Empty : JsonContract.Of(result, json, known)) + (version == 0 ? string.Empty : "|v" + version) +
                (cacheNulls ? "|nulls" : string.Empty) + (failSafe > 0 ? "|failsafe" : string.Empty) +
                (refreshAhead > 0 ? "|refresh" : string.Empty) + (ttlFrom is not null ? "|ttlfrom" : string.Empty));
            // With an error, a throwing body is emitted anyway, so the user sees our diagnostic and not CS8795 beside it.
            string? error = findings.FirstErrorId;

            var model = new CachedMethodModel(
                Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
                ContainingTypes: ContainingTypeChain(type).Select(ContainingType).ToEquatableArray(),
                Accessibility: AccessibilityOf(syntax.Modifiers),
                Modifiers: ModifiersOf(syntax.Modifiers),
                Name: method.Name,
                TypeParameters: method.TypeParameters.Select(TypeParameter).ToEquatableArray(),
                RefReturn: method.ReturnsByRefReadonly ? RefReturn.RefReadOnly : method.ReturnsByRef ? RefReturn.Ref : RefReturn.None,
                ReturnType: method.ReturnType.ToDisplayString(s_typeFormat),
                Shape: shape,
                ResultType: result?.ToDisplayString(s_typeFormat) ?? "object",
                IsStatic: method.IsStatic,
                UsesPointers: method.ReturnType is IPointerTypeSymbol || method.Parameters.Any(p => p.Type is IPointerTypeSymbol),
                Parameters: parameters.ToEquatableArray(),
                CancellationTokenParameter: method.Parameters.FirstOrDefault(p => KnownTypes.Is(p.Type, known.CancellationToken))?.Name,
                TtlSeconds: ttl,
                CacheNulls: cacheNulls,
                TtlJitterPercent: jitter,
                FailSafeSeconds: failSafe,
                SingleFlightAcrossInstances: acrossInstances,
                RefreshAheadPercent: refreshAhead,
                SoftTimeoutMilliseconds: softTimeout,
                HardTimeoutMilliseconds: hardTimeout,
                TtlFrom: ttlFrom,
                Batch: batch,
                KeyName: KeyName(method).ToEquatableArray(),
                OverloadId: overloadId,
                Signature: signature,
                SerializerContext: json?.ToDisplayString(s_typeFormat),
                Store: StoreOf(method, known),
                ReceiverInKey: !method.IsStatic && KnownTypes.Implements(type, known.CacheKeyInterface),
                Tags: tags.ToEquatableArray(),
                EmitInvalidator: emitInvalidator,
                InvalidatorHidesInherited: emitInvalidator && InvalidatorInherited(method, parameters, known),
                HasError: error is not null,
                ErrorId: error ?? string.Empty,
                HintName: HintName(method, overloadId));
            return (model, json);
        }

        // As written, not as the symbol reports it: an implementation repeats exactly the declaration's accessibility.
        private static DeclaredAccessibility AccessibilityOf(SyntaxTokenList modifiers)
        {
            bool has(SyntaxKind kind) => modifiers.Any(kind);
            return has(SyntaxKind.PublicKeyword) ? DeclaredAccessibility.Public
                : has(SyntaxKind.ProtectedKeyword) && has(SyntaxKind.InternalKeyword) ? DeclaredAccessibility.ProtectedInternal
                : has(SyntaxKind.PrivateKeyword) && has(SyntaxKind.ProtectedKeyword) ? DeclaredAccessibility.PrivateProtected
                : has(SyntaxKind.InternalKeyword) ? DeclaredAccessibility.Internal
                : has(SyntaxKind.ProtectedKeyword) ? DeclaredAccessibility.Protected
                : has(SyntaxKind.PrivateKeyword) ? DeclaredAccessibility.Private
                : DeclaredAccessibility.Unwritten;
        }

        private static MethodModifiers ModifiersOf(SyntaxTokenList modifiers)
        {
            MethodModifiers found = MethodModifiers.None;
            foreach (SyntaxToken modifier in modifiers)
            {
                found |= modifier.Kind() switch
                {
                    SyntaxKind.NewKeyword => MethodModifiers.New,
                    SyntaxKind.VirtualKeyword => MethodModifiers.Virtual,
                    SyntaxKind.OverrideKeyword => MethodModifiers.Override,
                    SyntaxKind.SealedKeyword => MethodModifiers.Sealed,
                    SyntaxKind.UnsafeKeyword => MethodModifiers.Unsafe,
                    SyntaxKind.ReadOnlyKeyword => MethodModifiers.ReadOnly,
                    _ => MethodModifiers.None,
                };
            }
            return found;
        }

        // The companion takes the key parameters; it is left out when the user already declared a method with its
        // name and parameters.
        private static bool InvalidatorTaken(IMethodSymbol method, List<ParameterModel> parameters, KnownTypes known, Location location, Findings findings)
        {
            List<ITypeSymbol> keyed = KeyedTypes(method, parameters);
            bool taken = method.ContainingType.GetMembers("Invalidate" + method.Name).OfType<IMethodSymbol>()
                .Any(existing => !IsOurs(existing, known) && Takes(existing, keyed, known));
            if (taken)
            {
                findings.Add(Diagnostics.InvalidatorConflict, location, "Invalidate" + method.Name, method.Name);
            }
            return taken;
        }

        // A base type already has the companion: one of its own with these key parameters, or the one generated for a
        // cached method this one overrides or hides. The new companion then says 'new', so the build has no CS0108.
        private static bool InvalidatorInherited(IMethodSymbol method, List<ParameterModel> parameters, KnownTypes known)
        {
            List<ITypeSymbol> keyed = KeyedTypes(method, parameters);
            List<ITypeSymbol> all = method.Parameters.Where(p => !KnownTypes.Is(p.Type, known.CancellationToken)).Select(p => p.Type).ToList();
            for (INamedTypeSymbol? type = method.ContainingType.BaseType; type is not null; type = type.BaseType)
            {
                if (type.GetMembers("Invalidate" + method.Name).OfType<IMethodSymbol>().Any(m => Takes(m, keyed, known)) ||
                    type.GetMembers(method.Name).OfType<IMethodSymbol>().Any(m =>
                        Takes(m, all, known) && m.GetAttributes().Any(a => KnownTypes.Is(a, known.CacheResultAttribute))))
                {
                    return true;
                }
            }
            return false;
        }

        private static List<ITypeSymbol> KeyedTypes(IMethodSymbol method, List<ParameterModel> parameters) =>
            method.Parameters.Where((_, i) => parameters[i].Encoding != KeyEncoding.Ignored).Select(p => p.Type).ToList();

        // Whether a method takes exactly these parameter types, a CancellationToken aside.
        private static bool Takes(IMethodSymbol candidate, List<ITypeSymbol> types, KnownTypes known) =>
            candidate.Parameters.Where(p => !KnownTypes.Is(p.Type, known.CancellationToken)).Select(p => p.Type).SequenceEqual(types, SymbolEqualityComparer.Default);

        private static int IntOption(AttributeData attribute, string name, int min, int max, string fix, IMethodSymbol method, Findings findings, CancellationToken cancellationToken)
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
            findings.Add(Diagnostics.InvalidOption, ((SyntaxNode?)argument ?? syntax)?.GetLocation(), name, value, method.Name, fix);
            return 0;
        }

        // The attribute's syntax and, when written, its Name = value argument: where a diagnostic about that value belongs.
        private static (SyntaxNode? Attribute, AttributeArgumentSyntax? Argument) NamedArgument(AttributeData attribute, string name, CancellationToken cancellationToken)
        {
            SyntaxNode? syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
            return (syntax, (syntax as AttributeSyntax)?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name));
        }

        private static string? WhyNotCacheable(IMethodSymbol method, KnownTypes known)
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
            if (method.PartialImplementationPart is { } implementation && !IsOurs(implementation, known))
            {
                return "already implemented by another partial declaration";
            }
            return null;
        }

        private static string? WhyNotPartialDefinition(IMethodSymbol method, MethodDeclarationSyntax syntax)
        {
            if (!IsPartialDeclaration(syntax))
            {
                return "declare it 'partial' without a body and move the body into '" + method.Name + "Core'";
            }
            return FirstTypeNotPartial(syntax) is { } type ? MakePartial(type) : null;
        }

        private static bool IsPartialDeclaration(MethodDeclarationSyntax syntax) =>
            syntax.Modifiers.Any(SyntaxKind.PartialKeyword) && syntax.Body is null && syntax.ExpressionBody is null;

        // The innermost containing type declared without 'partial', however deeply it is nested.
        private static string? FirstTypeNotPartial(MethodDeclarationSyntax syntax)
        {
            for (SyntaxNode? node = syntax.Parent; node is TypeDeclarationSyntax type; node = node.Parent)
            {
                if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return type.Identifier.Text;
                }
            }
            return null;
        }

        private static string MakePartial(string type) => "make '" + type + "' partial";

        // The analyzer sees the generator's own implementation part; it carries [GeneratedCode(GeneratorInfo.Name)].
        private static bool IsOurs(IMethodSymbol implementation, KnownTypes known) =>
            implementation.GetAttributes().Any(a =>
                KnownTypes.Is(a, known.GeneratedCodeAttribute) && a.ConstructorArguments.FirstOrDefault().Value as string == GeneratorInfo.Name);

        internal static (ReturnShape Shape, ITypeSymbol? Result) ClassifyReturn(IMethodSymbol method, KnownTypes known)
        {
            ITypeSymbol type = method.ReturnType;
            if (method.ReturnsVoid || method.ReturnsByRef || method.ReturnsByRefReadonly ||
                type is IPointerTypeSymbol or IFunctionPointerTypeSymbol || type.TypeKind == TypeKind.Dynamic || type.IsRefLikeType ||
                KnownTypes.Is(type, known.Task) || KnownTypes.Is(type, known.ValueTask))
            {
                return (ReturnShape.Sync, null);
            }
            if (type is INamedTypeSymbol { IsGenericType: true } named)
            {
                INamedTypeSymbol definition = named.ConstructedFrom;
                if (KnownTypes.Is(definition, known.TaskOfT))
                {
                    return (ReturnShape.Task, named.TypeArguments[0]);
                }
                if (KnownTypes.Is(definition, known.ValueTaskOfT))
                {
                    return (ReturnShape.ValueTask, named.TypeArguments[0]);
                }
                if (KnownTypes.Is(definition, known.AsyncEnumerable))
                {
                    return (ReturnShape.Sync, null);
                }
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
        private static TypeParameterModel TypeParameter(ITypeParameterSymbol parameter)
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
            return new TypeParameterModel(parameter.Name, constraints.ToEquatableArray());
        }

        // A CacheStore field or property of the type (or a base type) is the type's own store; the DI hook.
        private static StoreSource StoreOf(IMethodSymbol method, KnownTypes known)
        {
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
                    if (memberType is null || !KnownTypes.InheritsFrom(memberType, known.CacheStore))
                    {
                        continue;
                    }
                    if (member.IsStatic)
                    {
                        return StoreSource.StaticMember;
                    }
                    if (!method.IsStatic)
                    {
                        return StoreSource.InstanceMember;
                    }
                }
            }
            return StoreSource.Default;
        }
    }
}
