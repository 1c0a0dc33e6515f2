using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cli.Operations;

/// <summary><c>rulesync journal --meeting UID</c>: one meeting's decision history with every effect and its status.</summary>
internal static class JournalCommand
{
    public static Command Create(CliConsole console)
    {
        var state = new StateFileOptions();
        var meeting = new Option<string>("--meeting") { Description = "The meeting's UID (or record:OBJECTID on API v1).", Required = true };
        var format = FormatOption.Create();
        var command = new Command("journal", "One meeting's decision history: changes, facts, decisions, rules, effects.") { meeting, format };
        state.AddTo(command);
        command.SetAction(parse =>
        {
            using var opened = state.Open(parse, console);
            return Run(console, new StateQueries(opened.Store), parse.GetValue(meeting)!, parse.GetValue(format));
        });
        return command;
    }

    internal static int Run(CliConsole console, StateQueries queries, string meeting, OutputFormat format)
    {
        var history = queries.MeetingHistory(meeting);
        if (format == OutputFormat.Json)
        {
            console.WriteJson(new { meeting, decisions = history });
            return (int)ExitCode.Ok;
        }

        if (history.Count == 0)
        {
            console.Out.WriteLine($"no decisions journaled for meeting {meeting}");
            return (int)ExitCode.Ok;
        }

        foreach (var d in history)
        {
            console.Out.WriteLine($"#{d.Id} {StateFileOptions.When(d.At)} {d.Mailbox}: {d.Change}");
            console.Out.WriteLine($"    decision {d.Decision} by rule {d.Rule} ({d.RuleSetHash[..Math.Min(12, d.RuleSetHash.Length)]}){(d.DryRun ? " [dry run]" : string.Empty)}, {d.Outcome}");
            console.Out.WriteLine($"    facts {d.Facts}");
            foreach (var e in d.Effects)
            {
                var review = e.ReviewedBy is null ? string.Empty : $" by {e.ReviewedBy} at {StateFileOptions.When(e.ReviewedAt)}";
                console.Out.WriteLine($"    - [{e.Status.ToString().ToLowerInvariant()}{review}] {e.Description}{(e.Detail is null ? string.Empty : $" — {e.Detail}")}");
            }
        }

        return (int)ExitCode.Ok;
    }
}
