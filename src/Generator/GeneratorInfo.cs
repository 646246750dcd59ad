namespace ResultCache.Generator
{
    /// <summary>Names the generator, once: in the code it emits, in the check that code is ours, and in help links.</summary>
    internal static class GeneratorInfo
    {
        public const string Name = "ResultCache.Generator";

        public const string CacheResultAttribute = "ResultCache.CacheResultAttribute";

        public static readonly string Version = typeof(GeneratorInfo).Assembly.GetName().Version.ToString(3);

        /// <summary>Where each diagnostic is explained: the package's project URL (set once, in Directory.Build.props).</summary>
        public static readonly string DiagnosticsHelp = ProjectUrl() + "/blob/main/docs/diagnostics.md#";

        private static string ProjectUrl()
        {
            foreach (object attribute in typeof(GeneratorInfo).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false))
            {
                if (attribute is System.Reflection.AssemblyMetadataAttribute { Key: "ProjectUrl", Value: { Length: > 0 } url })
                {
                    return url.TrimEnd('/');
                }
            }
            return "https://github.com/resultcache/resultcache";
        }
    }
}
