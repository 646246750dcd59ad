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

        public Diagnostic ToDiagnostic() =>
            Diagnostic.Create(Descriptor, Location.Create(FilePath, Span, LineSpan), Arguments.AsSpan().ToArray());
    }

    /// <summary>What the generator's parse step yields for one method: a model to emit, or an error only it can report.</summary>
    internal sealed record ParsedMethod(CachedMethodModel? Model, DiagnosticModel? Error);
}
