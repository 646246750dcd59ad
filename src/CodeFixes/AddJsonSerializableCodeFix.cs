using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using ResultCache.Generator;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace ResultCache.CodeFixes
{
    /// <summary>Adds the missing <c>[JsonSerializable(typeof(T))]</c> to the context named by [CacheSerializer], wherever it is declared.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddJsonSerializableCodeFix)), Shared]
    public sealed class AddJsonSerializableCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Diagnostics.NotInJsonContext.Id);

        public override FixAllProvider? GetFixAllProvider() => null;

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (diagnostic.Properties.TryGetValue(MethodValidator.ContextTypeProperty, out string? contextType) && contextType is not null &&
                    diagnostic.Properties.TryGetValue(MethodValidator.MissingTypeProperty, out string? missingType) && missingType is not null)
                {
                    string title = $"Add [JsonSerializable(typeof({missingType.Replace("global::", string.Empty)}))] to {contextType}";
                    context.RegisterCodeFix(
                        CodeAction.Create(title, ct => FixAsync(context.Document.Project.Solution, contextType, missingType, ct), equivalenceKey: title),
                        diagnostic);
                }
            }
            return Task.CompletedTask;
        }

        private static async Task<Solution> FixAsync(Solution solution, string contextType, string missingType, CancellationToken cancellationToken)
        {
            foreach (Project project in solution.Projects)
            {
                Compilation? compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
                INamedTypeSymbol? context = compilation?.GetTypeByMetadataName(contextType);
                if (context?.DeclaringSyntaxReferences.FirstOrDefault() is not { } reference ||
                    solution.GetDocument(reference.SyntaxTree) is not { } document)
                {
                    continue;
                }
                var declaration = (TypeDeclarationSyntax)await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false);
                AttributeListSyntax attribute = AttributeList(SingletonSeparatedList(
                        Attribute(ParseName("global::System.Text.Json.Serialization.JsonSerializable"))
                            .AddArgumentListArguments(AttributeArgument(TypeOfExpression(ParseTypeName(missingType))))))
                    .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
                SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
                return solution.WithDocumentSyntaxRoot(document.Id, root.ReplaceNode(declaration, declaration.AddAttributeLists(attribute)));
            }
            return solution;
        }
    }
}
