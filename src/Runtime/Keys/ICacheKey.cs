namespace ResultCache;

/// <summary>
/// Lets a type write itself into a cache key. Implement it on a parameter type that has no built-in
/// encoding, or on a type whose cached instance methods depend on the instance's state: the generator
/// then adds the receiver to every key of that type's cached methods.
/// </summary>
public interface ICacheKey
{
    /// <summary>Writes the fields that identify this value. Write the same fields, in the same order, every time.</summary>
    void WriteCacheKey(ref CacheKeyWriter writer);
}
