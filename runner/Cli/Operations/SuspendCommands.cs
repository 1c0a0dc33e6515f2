using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// <c>rulesync suspend|resume (--mailbox ID | --all)</c>. A suspended mailbox is skipped by the runner and keeps its
/// cursors and links, so resume continues from the same state and loses nothing. <c>--all</c> is the tenant's kill
/// switch: no mailbox syncs while it is on; lifting it leaves individually suspended mailboxes suspended.
/// </summary>
internal static class SuspendCommands
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        yield return Create(console, suspend: true);
        yield return Create(console, suspend: false);
    }

    private static Command Create(CliConsole console, bool suspend)
    {
        var state = new StateFileOptions();
        var mailbox = new Option<string?>("--mailbox") { Description = "The mailbox." };
        var all = new Option<bool>("--all") { Description = suspend ? "Every mailbox: set the tenant's kill switch." : "Lift the tenant's kill switch." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded and shown by status)." };
        var by = StateFileOptions.By();
        var format = FormatOption.Create();
        var command = new Command(suspend ? "suspend" : "resume", suspend
            ? "Stop syncing a mailbox (--mailbox) or the whole tenant (--all, the kill switch); cursors are kept."
            : "Resume a mailbox (--mailbox) or lift the kill switch (--all); sync continues from the same state.")
        { mailbox, all, by, format };
        if (suspend)
        {
            command.Add(reason);
        }

        state.AddTo(command);
        command.SetAction(parse =>
        {
            var id = parse.GetValue(mailbox);
            var everyone = parse.GetValue(all);
            if ((id is null) == !everyone)
            {
                throw new InvalidInputException("error: give exactly one of --mailbox ID or --all");
            }

            using var opened = state.Open(parse, console);
            return Apply(console, opened.Authorize(), opened.Location, id, suspend, parse.GetValue(by)!, parse.GetValue(reason) ?? "suspended by an operator", parse.GetValue(format));
        });
        return command;
    }

    internal static int Apply(CliConsole console, TenantOperations operations, string statePath, string? mailbox, bool suspend, string by, string reason, OutputFormat format)
    {
        string message;
        try
        {
            var row = suspend ? operations.Suspend(mailbox, by, reason) : operations.Resume(mailbox, by);
            message = row is null
                ? suspend ? "kill switch on: no mailbox syncs until 'rulesync resume --all'" : "kill switch off: mailboxes sync again (individually suspended ones stay suspended)"
                : suspend ? $"{row.Id} suspended; its cursors and links are kept" : $"{row.Id} resumed; it continues from where it stopped";
        }
        catch (OperatorConsoleNotFoundException)
        {
            throw new InvalidInputException($"error: no mailbox '{mailbox}' in {statePath}; 'rulesync status' lists them");
        }

        if (format == OutputFormat.Json)
        {
            console.WriteJson(new { mailbox, all = mailbox is null, suspended = suspend, by, message });
        }
        else
        {
            console.Out.WriteLine(message);
        }

        return (int)ExitCode.Ok;
    }
}
