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

namespace ResultCache.CodeFixes
{
    /// <summary>
    /// For RC0016: adds <c>private CacheStore CacheStore => _store;</c> to the type, so its cached methods use the store
    /// it already holds instead of <c>CacheStore.Default</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCacheStoreMemberCodeFix)), Shared]
    public sealed class AddCacheStoreMemberCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Diagnostics.StoreMemberMisnamed.Id);

        // One member serves every cached method of the type: fixing one diagnostic fixes its siblings.
        public override FixAllProvider? GetFixAllProvider() => null;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (diagnostic.Properties.TryGetValue(MethodValidator.StoreMemberProperty, out string? member) && member is not null &&
                    root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } type)
                {
                    string title = $"Add 'private CacheStore CacheStore => {member};'";
                    context.RegisterCodeFix(
                        CodeAction.Create(title, ct => FixAsync(context.Document, type, member, ct), equivalenceKey: title),
                        diagnostic);
                }
            }
        }

        private static async Task<Document> FixAsync(Document document, TypeDeclarationSyntax type, string member, CancellationToken cancellationToken)
        {
            var property = (MemberDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(
                    $"private global::ResultCache.CacheStore CacheStore => {member};")!
                .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
                .WithTrailingTrivia(SyntaxFactory.ElasticMarker)
                .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            // After the fields and properties the type already has, so the new member sits beside the one it reads.
            int at = type.Members.TakeWhile(m => m is FieldDeclarationSyntax or PropertyDeclarationSyntax).Count();
            return document.WithSyntaxRoot(root.ReplaceNode(type, type.WithMembers(type.Members.Insert(at, property))));
        }
    }
}
