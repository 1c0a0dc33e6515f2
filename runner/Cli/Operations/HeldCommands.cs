using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// <c>rulesync held</c> lists the effects the mass-change guard held, with the rule and meeting;
/// <c>rulesync approve|discard --effect KEY</c> (or <c>--all</c>) reviews them. An approved effect is carried out by
/// the runner at its next cycle, under the meeting's lock; a discarded one never is. Who and when are recorded.
/// </summary>
internal static class HeldCommands
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        var state = new StateFileOptions();
        var format = FormatOption.Create();
        var held = new Command("held", "Effects held by the mass-change guard, with the rule that decided them and the meeting.") { format };
        state.AddTo(held);
        held.SetAction(parse =>
        {
            using var opened = state.Open(parse, console);
            return List(console, new StateQueries(opened.Store), parse.GetValue(format));
        });
        yield return held;
        yield return Review(console, approve: true);
        yield return Review(console, approve: false);
    }

    internal static int List(CliConsole console, StateQueries queries, OutputFormat format)
    {
        var effects = queries.HeldEffects();
        if (format == OutputFormat.Json)
        {
            console.WriteJson(new { held = effects });
        }
        else
        {
            foreach (var e in effects)
            {
                console.Out.WriteLine($"{e.Key}");
                console.Out.WriteLine($"    {e.Meeting ?? new MeetingLabel(e.MeetingKey, e.MeetingKey, null, null)}");
                console.Out.WriteLine($"    {e.Mailbox}, rule {e.Rule}: {e.Description}");
                console.Out.WriteLine($"    meeting UID (for 'rulesync journal --meeting'): {e.MeetingKey}");
                console.Out.WriteLine($"    held {StateFileOptions.When(e.CreatedAt)}: {e.Detail}");
            }

            console.Out.WriteLine($"{effects.Count} held effect(s)");
        }

        return effects.Count == 0 ? (int)ExitCode.Ok : (int)ExitCode.Findings;
    }

    private static Command Review(CliConsole console, bool approve)
    {
        var state = new StateFileOptions();
        var effect = new Option<string[]>("--effect") { Description = "The held effect's key (repeatable).", AllowMultipleArgumentsPerToken = true };
        var all = new Option<bool>("--all") { Description = "Every held effect." };
        var by = StateFileOptions.By();
        var format = FormatOption.Create();
        var command = new Command(approve ? "approve" : "discard", approve
            ? "Approve held effects: the runner carries them out at its next cycle."
            : "Discard held effects: they are never carried out.")
        { effect, all, by, format };
        state.AddTo(command);
        command.SetAction(parse =>
        {
            var keys = parse.GetValue(effect) ?? [];
            var everything = parse.GetValue(all);
            if ((keys.Length == 0) == !everything)
            {
                throw new InvalidInputException("error: give --effect KEY (one or more) or --all");
            }

            using var opened = state.Open(parse, console);
            return Apply(console, opened.Authorize(), everything ? null : keys, approve, parse.GetValue(by)!, parse.GetValue(format));
        });
        return command;
    }

    internal static int Apply(CliConsole console, TenantOperations operations, IReadOnlyList<string>? keys, bool approve, string by, OutputFormat format)
    {
        IReadOnlyList<string> done;
        try
        {
            done = operations.Review(keys, approve, by);
        }
        catch (OperatorConsoleNotFoundException e)
        {
            throw new InvalidInputException($"error: no effect '{e.Id}' in the journal; 'rulesync held' lists them");
        }
        catch (EffectNotHeldException e)
        {
            throw new InvalidInputException($"error: effect '{e.Key}' is {e.Status.ToString().ToLowerInvariant()}, not held");
        }

        if (format == OutputFormat.Json)
        {
            console.WriteJson(new { status = approve ? "approved" : "discarded", by, effects = done });
        }
        else
        {
            console.Out.WriteLine($"{done.Count} effect(s) {(approve ? "approved (the runner carries them out at its next cycle)" : "discarded")} by {by}");
        }

        return (int)ExitCode.Ok;
    }
}
