using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResultCache.Generator.Model;

namespace ResultCache.Generator
{
    /// <summary>
    /// Writes the body of every partial method marked [CacheResult]: build the key, look up, call ...Core on a
    /// miss, store. Misuse is reported by <see cref="CacheResultAnalyzer"/>, so this pipeline carries only models.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class CacheResultGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<CachedMethodModel> methods = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    GeneratorInfo.CacheResultAttribute,
                    predicate: static (node, _) => node is MethodDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.Parse(
                        (IMethodSymbol)ctx.TargetSymbol, (MethodDeclarationSyntax)ctx.TargetNode, ctx.Attributes[0], ctx.SemanticModel.Compilation, ct))
                .WithTrackingName(TrackingNames.Parse)
                .Where(static method => method is not null)
                .Select(static (method, _) => method!)
                .WithTrackingName(TrackingNames.Methods);

            context.RegisterSourceOutput(methods, static (spc, method) => spc.AddSource(method.HintName, Emitter.Emit(method)));
        }
    }
}
