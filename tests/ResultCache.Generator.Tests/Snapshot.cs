using System.Runtime.CompilerServices;

namespace ResultCache.Generator.Tests;

/// <summary>
/// Compares text with a committed <c>Snapshots/{name}.verified.cs</c>. On a mismatch it writes
/// <c>{name}.received.cs</c> beside it and fails with the first differing line. Set
/// <c>RESULTCACHE_ACCEPT_SNAPSHOTS=1</c> to accept the received text as the new verified file.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string testFile = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        string verified = Path.Combine(folder, name + ".verified.cs");
        string received = Path.Combine(folder, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");

        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        if (Environment.GetEnvironmentVariable("RESULTCACHE_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verified} yet. Review {received}, then rerun with RESULTCACHE_ACCEPT_SNAPSHOTS=1 to accept it."
            : $"Generated code differs from {verified} ({FirstDifference(expected, actual)}). Review {received}, then rerun with RESULTCACHE_ACCEPT_SNAPSHOTS=1 if the change is intended.");
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] want = expected.Split('\n');
        string[] got = actual.Split('\n');
        for (int i = 0; i < Math.Max(want.Length, got.Length); i++)
        {
            string? w = i < want.Length ? want[i] : null;
            string? g = i < got.Length ? got[i] : null;
            if (w != g)
            {
                return $"line {i + 1}: expected \"{w}\", got \"{g}\"";
            }
        }
        return "line endings";
    }
}
