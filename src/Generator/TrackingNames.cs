namespace ResultCache.Generator
{
    /// <summary>Names of the pipeline steps, so tests can check that each one caches.</summary>
    internal static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Methods = nameof(Methods);
        public const string Errors = nameof(Errors);
    }
}
