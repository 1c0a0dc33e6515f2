using RulesSync.Runner.Cli;

// A deliberately bad edge for LayersTests' self-test: a "connector" that calls the CLI. It lives in the test
// assembly only; the runner's own connectors must never do this.
namespace RulesSync.Runner.Connectors.ArchitectureSelfTest;

internal static class CallsTheCli
{
    public static int Run()
    {
        using var sink = new StringWriter();
        return RulesyncCli.Run(["--no-such-option"], new CliConsole(sink, sink)) == 2 ? 1 : 0;
    }
}
