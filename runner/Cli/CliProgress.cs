using Spectre.Console;

namespace RulesSync.Runner.Cli;

/// <summary>How far a long-running command has got: <paramref name="Done"/> of <paramref name="Total"/>, and a note (violations so far).</summary>
internal readonly record struct CliProgressStep(long Done, long Total, string? Note = null);

/// <summary>
/// A progress bar on standard error for the commands that may take longer than a couple of seconds (simulate,
/// check, diff, mutate). Shown only where a person watches (<see cref="CliConsole.Progress"/> set: never when
/// standard error is redirected, never in JSON or JUnit output), so results on standard output stay clean.
/// </summary>
internal static class CliProgress
{
    /// <summary>Runs <paramref name="work"/>, giving it a progress sink when progress is shown.</summary>
    public static T Run<T>(CliConsole console, bool show, string label, Func<IProgress<CliProgressStep>?, T> work)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(work);
        if (!show || console.Progress is not { } writer)
        {
            return work(null);
        }

        // A first line at once, so a person sees from the first second what is running; the bar follows.
        writer.WriteLine($"{label}...");
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        var result = default(T)!;
        ansi.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask(label);
            result = work(new Sink(task, label));
            task.Value = task.MaxValue;
        });
        return result;
    }

    /// <summary>A (done, total) counter reporting to <paramref name="progress"/> on the caller's thread, or null.</summary>
    public static IProgress<(int Done, int Total)>? Counting(IProgress<CliProgressStep>? progress) =>
        progress is null ? null : new Counter(progress);

    private sealed class Counter(IProgress<CliProgressStep> progress) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => progress.Report(new CliProgressStep(value.Done, value.Total));
    }

    private sealed class Sink(ProgressTask task, string label) : IProgress<CliProgressStep>
    {
        public void Report(CliProgressStep value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
            task.Description = value.Note is null ? label : $"{label} ({value.Note})";
        }
    }
}
