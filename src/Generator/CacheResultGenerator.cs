using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    /// <summary>
    /// Writes the body of every partial method marked [CacheResult]: build the key, look up, call ...Core on a
    /// miss, store. Misuse is reported by <see cref="CacheResultAnalyzer"/>; this pipeline carries models, and the
    /// one error a build would otherwise hide (see <see cref="MethodReader.Parse"/>).
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class CacheResultGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<ParsedMethod> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    GeneratorInfo.CacheResultAttribute,
                    predicate: static (node, _) => node is MethodDeclarationSyntax,
                    transform: static (ctx, ct) => MethodReader.Parse(
                        (IMethodSymbol)ctx.TargetSymbol, (MethodDeclarationSyntax)ctx.TargetNode, ctx.Attributes[0], ctx.SemanticModel.Compilation, ct))
                .WithTrackingName(TrackingNames.Parse);

            IncrementalValuesProvider<CachedMethodModel> methods = parsed
                .Where(static method => method.Model is not null)
                .Select(static (method, _) => method.Model!)
                .WithTrackingName(TrackingNames.Methods);
            context.RegisterSourceOutput(methods, static (spc, method) => spc.AddSource(method.HintName, Emitter.Emit(method)));

            // Rare (a type chain that is not partial), so pairing each with the compilation, to locate it in its tree, costs nothing.
            IncrementalValuesProvider<DiagnosticModel> errors = parsed
                .Where(static method => method.Error is not null)
                .Select(static (method, _) => method.Error!)
                .WithTrackingName(TrackingNames.Errors);
            context.RegisterSourceOutput(errors.Combine(context.CompilationProvider),
                static (spc, error) => spc.ReportDiagnostic(error.Left.ToDiagnostic(error.Right)));
        }
    }
}
