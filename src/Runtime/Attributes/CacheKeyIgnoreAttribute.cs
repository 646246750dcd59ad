namespace ResultCache;

/// <summary>
/// Leaves the parameter out of the cache key: calls that differ only in this argument share one entry.
/// <see cref="System.Threading.CancellationToken"/> parameters are always left out.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class CacheKeyIgnoreAttribute : Attribute
{
}
