using System.Reflection;

namespace RulesSync.Runner.Tests;

/// <summary>The checkout the tests were built from (stamped at build time by tests/Directory.Build.props).</summary>
internal static class RepoPaths
{
    public static string Root { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value
        ?? throw new InvalidOperationException("RepoRoot metadata missing");
}
