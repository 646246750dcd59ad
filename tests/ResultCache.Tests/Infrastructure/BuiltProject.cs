namespace ResultCache.Tests.Infrastructure;

/// <summary>Finds a project of this repository built with the tests (a build-only project reference), in the same configuration.</summary>
public static class BuiltProject
{
    /// <summary>The path of <paramref name="assembly"/>.dll under <paramref name="projectDirectory"/> (relative to the repository root).</summary>
    public static string Dll(string projectDirectory, string assembly)
    {
        string testDirectory = AppContext.BaseDirectory;
        string configuration = testDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        DirectoryInfo? root = new(testDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ResultCache.slnx")))
        {
            root = root.Parent;
        }
        string dll = Path.Combine(root?.FullName ?? throw new InvalidOperationException("The repository root was not found."),
            projectDirectory, "bin", configuration, "net10.0", assembly + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {projectDirectory} first.", dll);
    }
}
