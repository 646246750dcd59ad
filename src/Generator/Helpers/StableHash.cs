using System.Text;

namespace ResultCache.Generator.Helpers
{
    /// <summary>
    /// FNV-1a over UTF-8: a tiny, fixed hash of a method's signature text. It only has to be stable
    /// across builds; collisions between one method's old and new signature are what it guards against.
    /// </summary>
    internal static class StableHash
    {
        public static string Hex32(string text)
        {
            uint hash = 2166136261;
            foreach (byte b in Encoding.UTF8.GetBytes(text))
            {
                hash = unchecked((hash ^ b) * 16777619);
            }
            return hash.ToString("x8");
        }
    }
}
