using System.CommandLine;

namespace RulesSync.Runner.Cli;

/// <summary>The <c>rulesync</c> command tree. Commands register themselves here.</summary>
internal static class RulesyncCli
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("rulesync: author, test and simulate calendar-sync rule sets; run the live sync.");
        return root.Parse(args).Invoke();
    }
}
