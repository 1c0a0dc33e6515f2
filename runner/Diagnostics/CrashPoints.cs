using System.Globalization;

namespace RulesSync.Runner.Diagnostics;

/// <summary>
/// Numbered places in the runner where a crash is most harmful — between a journal write and the effect it
/// announces, between an effect and the state save that records it — so crash-safety tests can kill the process
/// exactly there. Off unless the environment variable <c>RULESYNC_CRASH_AT</c> holds a positive number N: then the
/// N-th crash point reached kills the process at once (SIGKILL: no finally blocks, no flush, exit code 137). <c>RULESYNC_CRASH_LOG</c> names a file each reached point is appended to (label per line), so a
/// test can see how many points a run passes. Costs one static read when off.
/// </summary>
internal static class CrashPoints
{
    /// <summary>The exit code of a process killed at a crash point.</summary>
    public const int ExitCode = 137;

    private static readonly long CrashAt = Parse(Environment.GetEnvironmentVariable("RULESYNC_CRASH_AT"));
    private static readonly string? Log = Environment.GetEnvironmentVariable("RULESYNC_CRASH_LOG") is { Length: > 0 } path ? path : null;
    private static long reached;
    private static readonly AsyncLocal<string?> Scope = new();

    /// <summary>
    /// In-process observers of the crash points reached inside a <see cref="Within"/> scope (scope, label): the cluster
    /// tests kill, pause or cut off a silo there. Several may listen at once (test classes run in parallel, each
    /// watching its own tenant's scope). None (the default) costs one read.
    /// </summary>
    internal static event Action<string, string>? ScopedObserver;

    /// <summary>Names the flow that follows (a tenant's cycle in a grain) for <see cref="ScopedObserver"/>; dispose to leave it.</summary>
    public static IDisposable Within(string scope)
    {
        var previous = Scope.Value;
        Scope.Value = scope;
        return new Leave(previous);
    }

    /// <summary>Whether any crash point is armed or logged in this process.</summary>
    public static bool Enabled => CrashAt > 0 || Log is not null;

    /// <summary>Marks a crash point; kills the process if it is the armed one.</summary>
    /// <param name="label">Where this is, in words (for the log).</param>
    public static void Reach(string label)
    {
        if (ScopedObserver is { } observer && Scope.Value is { } scope)
        {
            observer(scope, label);
        }

        if (!Enabled)
        {
            return;
        }

        var n = Interlocked.Increment(ref reached);
        if (Log is not null)
        {
            File.AppendAllText(Log, n.ToString(CultureInfo.InvariantCulture) + " " + label + Environment.NewLine);
        }

        if (n == CrashAt)
        {
            // A real kill (SIGKILL on Linux): nothing after this point runs, nothing is flushed or disposed.
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            self.Kill();
        }
    }

    private sealed class Leave(string? previous) : IDisposable
    {
        public void Dispose() => Scope.Value = previous;
    }

    private static long Parse(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;
}
