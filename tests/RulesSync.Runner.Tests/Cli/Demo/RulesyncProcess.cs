using System.Diagnostics;
using System.Threading.Channels;
using RulesSync.Runner.Cli.Demo;

namespace RulesSync.Runner.Tests.Cli.Demo;

/// <summary>
/// The built <c>rulesync</c> CLI as a child process (<c>dotnet rulesync.dll ...</c> from the test's output folder), as an
/// operator runs it: its output lines are awaited as they arrive (no polling), and it is stopped by its PID — with
/// SIGTERM to check a clean stop, or killed on dispose.
/// </summary>
internal sealed class RulesyncProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly Channel<string> lines = Channel.CreateUnbounded<string>();
    private readonly List<string> seen = [];

    private RulesyncProcess(Process process)
    {
        this.process = process;
    }

    /// <summary>Everything printed so far (stdout and stderr, in arrival order).</summary>
    public string Output
    {
        get
        {
            lock (seen)
            {
                return string.Join('\n', seen);
            }
        }
    }

    public static RulesyncProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>As <see cref="Start(string, string[])"/>, with <paramref name="environment"/> set for the child (a null value removes the variable).</summary>
    public static RulesyncProcess Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rulesync.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("RULESYNC_OPERATOR_TOKEN");
        foreach (var (name, value) in environment)
        {
            start.Environment.Remove(name);
            if (value is not null)
            {
                start.Environment[name] = value;
            }
        }

        var child = new RulesyncProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        child.process.OutputDataReceived += (_, e) => child.Add(e.Data);
        child.process.ErrorDataReceived += (_, e) => child.Add(e.Data);
        child.process.Exited += (_, _) => child.lines.Writer.TryComplete();
        child.process.Start();
        child.process.BeginOutputReadLine();
        child.process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The first line (from now on, or already printed) that <paramref name="match"/> accepts.</summary>
    public async Task<string> LineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            while (true)
            {
                var line = await lines.Reader.ReadAsync(cts.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"rulesync {string.Join(' ', process.StartInfo.ArgumentList.Skip(1))} did not print the line awaited; it printed:\n{Output}");
        }
    }

    /// <summary>Forgets the lines printed so far: the next <see cref="LineAsync"/> sees only what comes after.</summary>
    public void SkipPrinted()
    {
        while (lines.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>
    /// Waits until the process exits by itself (<c>--once</c>) and returns its exit code; everything it printed is then
    /// in <see cref="Output"/>. Ten minutes guard against a hung process: not a time limit (a loaded machine stretches a cycle).
    /// </summary>
    public async Task<int> ExitAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>Sends SIGTERM (as a service manager does) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (seen)
        {
            seen.Add(line);
        }

        lines.Writer.TryWrite(line);
    }
}
