using RulesSync.Runner.Cli;

namespace RulesSync.Runner.Tests.Cli;

/// <summary>Runs the CLI in-process and captures what it printed.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static CliRun Of(params string[] args) => With(Environment.GetEnvironmentVariable, args);

    /// <summary>Runs the CLI with <paramref name="environment"/> as the environment it reads (secrets, the operator token).</summary>
    public static CliRun With(Func<string, string?> environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = RulesyncCli.Run(args, new CliConsole(stdout, stderr) { Environment = environment });
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}
