using System.Collections.Immutable;
using System.Composition;
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

namespace ResultCache.CodeFixes
{
    /// <summary>
    /// Adds, after the cached method, the method a diagnostic says is missing, for the user to fill in: for RC0018 the
    /// one <c>TtlFrom</c> names (returning the attribute's TTL), for RC0020 the batch's <c>...ManyCore</c> (throwing).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddMethodStubCodeFix)), Shared]
    public sealed class AddMethodStubCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Diagnostics.TtlFromMismatch.Id, Diagnostics.ManyCoreMissing.Id);

        public override FixAllProvider? GetFixAllProvider() => null;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (diagnostic.Properties.TryGetValue(MethodReader.StubProperty, out string? stub) && stub is not null &&
                    root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } method)
                {
                    string title = "Add '" + stub.Substring(0, stub.IndexOf(" =>", System.StringComparison.Ordinal)) + "'";
                    context.RegisterCodeFix(CodeAction.Create(title, ct => FixAsync(context.Document, method, stub, ct), equivalenceKey: title), diagnostic);
                }
            }
        }

        private static async Task<Document> FixAsync(Document document, MethodDeclarationSyntax method, string stub, CancellationToken cancellationToken)
        {
            // A blank line before it; the member after keeps its own.
            var member = SyntaxFactory.ParseMemberDeclaration(stub)!
                .WithLeadingTrivia(SyntaxFactory.EndOfLine("\n"), SyntaxFactory.ElasticMarker)
                .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"))
                .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            return document.WithSyntaxRoot(root.InsertNodesAfter(method, new[] { member }));
        }
    }
}
