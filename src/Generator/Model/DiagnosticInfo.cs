using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ResultCache.Generator.Helpers;

namespace ResultCache.Generator.Model
{
    /// <summary>A diagnostic as plain data: a Location or ISymbol kept in the pipeline would stop it caching.</summary>
    internal sealed record DiagnosticInfo(string Id, string FilePath, TextSpan Span, LinePositionSpan LineSpan, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
        {
            location ??= Location.None;
            FileLinePositionSpan lines = location.GetLineSpan();
            return new DiagnosticInfo(descriptor.Id, lines.Path ?? string.Empty, location.SourceSpan, lines.Span, arguments.ToEquatableArray());
        }

        public Diagnostic ToDiagnostic()
        {
            Location location = FilePath.Length == 0 ? Location.None : Location.Create(FilePath, Span, LineSpan);
            return Diagnostic.Create(Diagnostics.ById(Id), location, Arguments.AsSpan().ToArray());
        }
    }

    /// <summary>What the parser made of one [CacheResult] method: a model to emit, diagnostics, or both.</summary>
    internal sealed record ParseResult(CachedMethodModel? Method, EquatableArray<DiagnosticInfo> Diagnostics);
}
