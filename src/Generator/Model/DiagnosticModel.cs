using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ResultCache.Generator.Helpers;

namespace ResultCache.Generator.Model
{
    /// <summary>
    /// A diagnostic held as values (a <see cref="Location"/> keeps its syntax tree alive and compares by reference),
    /// so a pipeline step that carries one still caches.
    /// </summary>
    internal sealed record DiagnosticModel(DiagnosticDescriptor Descriptor, string FilePath, TextSpan Span, LinePositionSpan LineSpan, EquatableArray<string> Arguments)
    {
        public static DiagnosticModel Create(DiagnosticDescriptor descriptor, Location location, params string[] arguments) =>
            new(descriptor, location.SourceTree?.FilePath ?? string.Empty, location.SourceSpan, location.GetLineSpan().Span, arguments.ToEquatableArray());

        /// <summary>
        /// The diagnostic, located in <paramref name="compilation"/>'s own syntax tree when it still has the file: a
        /// location in source, which the IDE shows on the code and the compiler's severity settings apply to.
        /// </summary>
        public Diagnostic ToDiagnostic(Compilation compilation)
        {
            SyntaxTree? tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == FilePath);
            Location location = tree is not null && Span.End <= tree.Length ? Location.Create(tree, Span) : Location.Create(FilePath, Span, LineSpan);
            return Diagnostic.Create(Descriptor, location, Arguments.AsSpan().ToArray());
        }
    }

    /// <summary>What the generator's parse step yields for one method: a model to emit, or an error only it can report.</summary>
    internal sealed record ParsedMethod(CachedMethodModel? Model, DiagnosticModel? Error);
}
