using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ResultCache.Generator.Symbols;

namespace ResultCache.Generator
{
    /// <summary>
    /// Reports every misuse of [CacheResult] and [CacheKeyIgnore]. A separate analyzer (rather than the generator)
    /// keeps the generator's pipeline free of diagnostics, and lets #pragma and .editorconfig severities apply.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class CacheResultAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Diagnostics.All);

        public override void Initialize(AnalysisContext context)
        {
            // The generated implementation part carries [GeneratedCode], which marks the whole partial method as
            // generated; analysis must still run on it, since the [CacheResult] declaration is the user's own.
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                KnownTypes known = KnownTypes.For(start.Compilation);
                INamedTypeSymbol? cacheResult = known.CacheResultAttribute;
                INamedTypeSymbol? keyIgnore = known.CacheKeyIgnoreAttribute;
                if (cacheResult is null || keyIgnore is null)
                {
                    return;
                }
                start.RegisterSymbolAction(symbol => AnalyzeMethod(symbol, cacheResult, keyIgnore), SymbolKind.Method);
            });
        }

        private static void AnalyzeMethod(SymbolAnalysisContext context, INamedTypeSymbol cacheResult, INamedTypeSymbol keyIgnore)
        {
            var method = (IMethodSymbol)context.Symbol;
            if (method.PartialDefinitionPart is not null)
            {
                return; // an implementation part: its declaration is analyzed instead
            }
            AttributeData? attribute = method.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, cacheResult));
            if (attribute is null)
            {
                ReportIgnoredParameters(context, method, keyIgnore);
                return;
            }
            foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(context.CancellationToken) is MethodDeclarationSyntax syntax)
                {
                    foreach (Diagnostic diagnostic in MethodValidator.Validate(method, syntax, attribute, context.Compilation, context.CancellationToken))
                    {
                        context.ReportDiagnostic(diagnostic);
                    }
                    return;
                }
            }
        }

        private static void ReportIgnoredParameters(SymbolAnalysisContext context, IMethodSymbol method, INamedTypeSymbol keyIgnore)
        {
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                AttributeData? ignore = parameter.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, keyIgnore));
                if (ignore?.ApplicationSyntaxReference is { } reference)
                {
                    context.ReportDiagnostic(Diagnostic.Create(Diagnostics.IgnoreWithoutCache,
                        reference.GetSyntax(context.CancellationToken).GetLocation(), parameter.Name, method.Name));
                }
            }
        }
    }
}
