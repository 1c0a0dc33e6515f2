using System.Runtime.CompilerServices;

namespace RulesSync.Engine.Tests.Rules;

/// <summary>Finds files of the repository the tests were built from (tests may read files; the engine may not).</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>Every shipped rule file, as a path relative to the repository root.</summary>
    public static IEnumerable<string> ShippedRuleFiles() =>
        Directory.EnumerateFiles(PathOf("rules"), "*.yaml", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p))
            .Order(StringComparer.Ordinal);

    private static string FindRoot([CallerFilePath] string thisFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(thisFile), AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "RulesSync.sln")))
                {
                    return dir;
                }
            }
        }

        throw new InvalidOperationException("repository root (RulesSync.sln) not found");
    }
}
