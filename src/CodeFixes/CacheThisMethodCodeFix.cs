using System.Collections.Generic;
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
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using ResultCache.Generator;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace ResultCache.CodeFixes
{
    /// <summary>
    /// "Cache this method's result": turns a [CacheResult] method with a body into the partial declaration the
    /// generator implements plus a <c>...Core</c> method holding the body, and makes every containing type partial.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CacheThisMethodCodeFix)), Shared]
    public sealed class CacheThisMethodCodeFix : CodeFixProvider
    {
        public const string Title = "Cache this method's result";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Diagnostics.NotPartial.Id);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            MethodDeclarationSyntax? method = root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
            if (method is null)
            {
                return;
            }
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => FixAsync(context.Document, method, ct), equivalenceKey: Title),
                context.Diagnostics);
        }

        private static async Task<Document> FixAsync(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
        {
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            SyntaxGenerator generator = SyntaxGenerator.GetGenerator(document);

            IEnumerable<SyntaxNode> replacement = method.Body is null && method.ExpressionBody is null
                ? new[] { MakePartial(generator, method) }
                : new[] { Declaration(generator, method), Core(generator, method) };

            // Rebuild from the method outwards, adding 'partial' to each enclosing type on the way.
            SyntaxNode current = method;
            IEnumerable<SyntaxNode> replacements = replacement;
            foreach (TypeDeclarationSyntax type in method.Ancestors().OfType<TypeDeclarationSyntax>())
            {
                SyntaxNode updated = type.ReplaceNode(current, replacements);
                replacements = new[] { WithPartial(generator, updated) };
                current = type;
            }
            return document.WithSyntaxRoot(root.ReplaceNode(current, replacements));
        }

        // The declaration keeps the attributes, docs and parameters, loses the body and 'async', and gains 'partial'.
        private static SyntaxNode Declaration(SyntaxGenerator generator, MethodDeclarationSyntax method)
        {
            MethodDeclarationSyntax declaration = method
                .WithBody(null)
                .WithExpressionBody(null)
                .WithParameterList(method.ParameterList.WithCloseParenToken(method.ParameterList.CloseParenToken.WithTrailingTrivia()))
                .WithSemicolonToken(Token(SyntaxKind.SemicolonToken).WithTrailingTrivia(method.GetTrailingTrivia()));
            return MakePartial(generator, declaration);
        }

        private static SyntaxNode MakePartial(SyntaxGenerator generator, MethodDeclarationSyntax method)
        {
            var partial = (MethodDeclarationSyntax)generator.WithModifiers(method, generator.GetModifiers(method).WithAsync(false).WithPartial(true));
            bool hasAccessibility = method.Modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.PrivateKeyword) ||
                m.IsKind(SyntaxKind.ProtectedKeyword) || m.IsKind(SyntaxKind.InternalKeyword));
            if (hasAccessibility)
            {
                return partial;
            }
            // A partial method that returns a value needs an explicit accessibility keyword; it takes over the indentation.
            SyntaxToken first = partial.Modifiers[0];
            SyntaxToken keyword = Token(first.LeadingTrivia, SyntaxKind.PrivateKeyword, TriviaList(Space));
            return partial.WithModifiers(partial.Modifiers.Replace(first, first.WithLeadingTrivia()).Insert(0, keyword));
        }

        // The Core method takes the body: private, same parameters without their attributes, no docs.
        private static SyntaxNode Core(SyntaxGenerator generator, MethodDeclarationSyntax method)
        {
            MethodDeclarationSyntax core = method
                .WithAttributeLists(default)
                .WithModifiers(default)
                .WithReturnType(method.ReturnType.WithoutLeadingTrivia())
                .WithIdentifier(Identifier(method.Identifier.Text + "Core"))
                .WithParameterList(method.ParameterList.WithParameters(SeparatedList(
                    method.ParameterList.Parameters.Select(p => p.WithAttributeLists(default).WithoutLeadingTrivia()),
                    method.ParameterList.Parameters.GetSeparators())))
                .WithLeadingTrivia(ElasticCarriageReturnLineFeed);
            DeclarationModifiers modifiers = generator.GetModifiers(method).WithPartial(false);
            SyntaxNode withModifiers = generator.WithAccessibility(generator.WithModifiers(core, modifiers), Accessibility.Private);
            return withModifiers.WithAdditionalAnnotations(Formatter.Annotation);
        }

        private static SyntaxNode WithPartial(SyntaxGenerator generator, SyntaxNode type) =>
            generator.GetModifiers(type).IsPartial ? type : generator.WithModifiers(type, generator.GetModifiers(type).WithPartial(true));
    }
}
