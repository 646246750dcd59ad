using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    /// <summary>Writes the body of every partial method marked [CacheResult]: build the key, look up, call ...Core on a miss, store.</summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class CacheResultGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    Parser.CacheResultAttribute,
                    predicate: static (node, _) => node is MethodDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.Parse);

            IncrementalValuesProvider<CachedMethodModel> methods = parsed
                .Select(static (result, _) => result.Method)
                .Where(static method => method is not null)
                .Select(static (method, _) => method!)
                .WithTrackingName(TrackingNames.Methods);

            // Diagnostics travel as data on their own output, so reporting them never re-emits source.
            IncrementalValuesProvider<ParseResult> withDiagnostics = parsed
                .Where(static result => result.Diagnostics.Count > 0)
                .WithTrackingName(TrackingNames.Diagnostics);

            context.RegisterSourceOutput(methods, static (spc, method) => spc.AddSource(method.HintName, Emitter.Emit(method)));
            context.RegisterSourceOutput(withDiagnostics, static (spc, result) =>
            {
                foreach (DiagnosticInfo diagnostic in result.Diagnostics)
                {
                    spc.ReportDiagnostic(diagnostic.ToDiagnostic());
                }
            });
        }
    }
}
