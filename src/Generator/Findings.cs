using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace ResultCache.Generator
{
    /// <summary>
    /// What reading a method finds wrong with it. The analyzer's findings keep every diagnostic. The generator's keep
    /// only the first error's id (its method then gets a throwing body), so the generator's transform, which runs on
    /// every edit, builds no <see cref="Diagnostic"/>.
    /// </summary>
    internal sealed class Findings
    {
        private readonly List<Diagnostic>? _diagnostics;

        private Findings(List<Diagnostic>? diagnostics) => _diagnostics = diagnostics;

        /// <summary>For the generator: the first error's id, nothing else.</summary>
        public static Findings ForGenerator() => new(null);

        /// <summary>For the analyzer: every diagnostic.</summary>
        public static Findings ForAnalyzer() => new(new List<Diagnostic>());

        /// <summary>The id of the first error found; null while there is none.</summary>
        public string? FirstErrorId { get; private set; }

        /// <summary>Every diagnostic found; empty for the generator's findings.</summary>
        public IReadOnlyList<Diagnostic> Diagnostics => (IReadOnlyList<Diagnostic>?)_diagnostics ?? System.Array.Empty<Diagnostic>();

        public void Add(DiagnosticDescriptor descriptor, Location? location, params object?[] arguments) => Add(descriptor, location, null, arguments);

        public void Add(DiagnosticDescriptor descriptor, Location? location, ImmutableDictionary<string, string?>? properties, params object?[] arguments)
        {
            if (FirstErrorId is null && descriptor.DefaultSeverity == DiagnosticSeverity.Error)
            {
                FirstErrorId = descriptor.Id;
            }
            _diagnostics?.Add(Diagnostic.Create(descriptor, location, properties, arguments));
        }
    }
}
