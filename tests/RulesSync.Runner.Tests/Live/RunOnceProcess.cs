using System.Diagnostics;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Live;

/// <summary>
/// <c>rulesync run --config ... --once</c> as a real process (the tests that kill it or need a process of their own),
/// and the config it runs: the tenant <c>contoso</c> against the emulators, state beside the config.
/// </summary>
internal static class RunOnceProcess
{
    private static readonly string Cli = Path.Combine(Path.GetDirectoryName(typeof(RulesSync.Runner.Cli.RulesyncCli).Assembly.Location)!, "rulesync.dll");

    /// <summary>The config: Alice and Bob on Exchange (and Carol on Google when <paramref name="carolOnGoogle"/>), then <paramref name="extra"/> (top-level YAML).</summary>
    public static string Config(EmulatorHost host, bool carolOnGoogle = false, string extra = "")
    {
        var google = carolOnGoogle ? $"""

            google:
              baseUri: {host.GoogleBaseUri.AbsoluteUri}calendar/v3/
              {EmulatorSignInYaml.Google(host, "  ")}
            """ : string.Empty;
        var carol = carolOnGoogle ? $"""

              - id: {ConnectorTestHost.Carol}
                provider: google
            """ : string.Empty;
        return $"""
            tenant: contoso
            rules: embedded:default
            dataFolder: .
            stateFile: state.db
            sync:
              autoShare: true
              maxParallelMailboxes: 1
            crm:
              serviceRoot: {host.CrmServiceRoot(CrmDialect.V2)}
              dialect: v2
            graph:
              baseUrl: {host.GraphBaseUrl}
              {EmulatorSignInYaml.Graph(host, "  ")}{google}
            mailboxes:
              - id: {ConnectorTestHost.Alice}
                provider: exchange
              - id: {ConnectorTestHost.Bob}
                provider: exchange{carol}
            breaker:
              retryAttempts: 0
            {extra}
            """;
    }

    /// <summary>
    /// Runs the process to its end with <paramref name="environment"/> set (a null value removes the variable);
    /// returns its exit code and everything it printed.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string config, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Cli, "run", "--config", config, "--once" })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment.Remove(name);
            if (value is not null)
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A guard against a hung process, not a time limit: a cycle takes seconds, but a loaded machine can stretch
        // one past a minute (seen at load 80), and a run cut short here would report a crash that never happened.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"rulesync run did not exit within 10 minutes ({string.Join(", ", environment.Where(e => e.Value is not null).Select(e => e.Key))})");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
