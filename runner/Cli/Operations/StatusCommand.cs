using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// <c>rulesync status</c>: the tenant's switches and rule set, and per mailbox its state, last sync, last error,
/// pending and held effects; the CRM when it is unreachable. Reads the state file only. Exit 0, or 1 when the tenant is
/// degraded: the CRM unreachable, any mailbox suspended or failing, effects held, or the kill switch on (so scripts can
/// alert on it).
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliConsole console)
    {
        var state = new StateFileOptions();
        var format = FormatOption.Create();
        var command = new Command("status", "Per mailbox: state, last sync, last error, pending and held effects; the kill switch and rule set.") { format };
        state.AddTo(command);
        command.SetAction(parse =>
        {
            using var opened = state.Open(parse, console);
            return Run(console, new StateQueries(opened.Store), parse.GetValue(format));
        });
        return command;
    }

    internal static int Run(CliConsole console, StateQueries queries, OutputFormat format)
    {
        var rules = queries.RuleSet();
        var mailboxes = queries.Mailboxes();
        if (format == OutputFormat.Json)
        {
            console.WriteJson(new { tenant = rules, mailboxes });
        }
        else
        {
            console.Out.WriteLine($"tenant {rules.Tenant ?? "-"}: {(rules.KillSwitch ? $"KILL SWITCH ON (by {rules.KillSwitchBy}: {rules.KillSwitchReason})" : "sync enabled")}");
            console.Out.WriteLine($"rules: {rules.Name ?? "-"} {Short(rules.Hash)} from {rules.Source ?? "-"}, loaded {StateFileOptions.When(rules.LoadedAt)}{(rules.ShadowHash is null ? string.Empty : $", shadow {Short(rules.ShadowHash)}")}");
            if (rules.LastReloadError is not null)
            {
                console.Out.WriteLine($"last rule reload failed at {StateFileOptions.When(rules.LastReloadErrorAt)} (previous rules kept):");
                console.Out.WriteLine("  " + rules.LastReloadError.Replace("\n", "\n  ", StringComparison.Ordinal));
            }

            console.Out.WriteLine($"cycles: {rules.Cycles}, last {StateFileOptions.When(rules.LastCycleAt)}");
            console.Out.WriteLine(rules.CrmOutage is { } crm
                ? $"CRM: UNREACHABLE since {StateFileOptions.When(crm.Since)} ({crm.FailedPolls} cycle(s) skipped, no mailbox synced): {crm.Error}"
                : "CRM: reachable");
            if (rules.CrmQuarantine is { Count: > 0 } quarantined)
            {
                console.Out.WriteLine($"CRM records quarantined (skipped, nothing decided on them): {quarantined.Count}");
                foreach (var q in quarantined)
                {
                    console.Out.WriteLine("  " + q);
                }
            }

            console.Out.WriteLine();
            console.Out.WriteLine($"{"mailbox",-32} {"provider",-9} {"state",-10} {"last sync",-21} {"pending",7} {"held",5}  last error");
            foreach (var m in mailboxes)
            {
                var waiting = rules.CrmOutage is not null && m.Status != MailboxStatus.Suspended;
                var state = waiting ? "waiting" : m.Status.ToString().ToLowerInvariant();
                var error = m.Status == MailboxStatus.Suspended ? $"suspended by {m.SuspendedBy}: {m.SuspendedReason}"
                    : waiting ? "not synced: the CRM is unreachable" + (m.LastError is null ? string.Empty : $" (before: {m.LastError})")
                    : m.LastError ?? string.Empty;
                console.Out.WriteLine($"{m.Mailbox,-32} {m.Provider,-9} {state,-10} {StateFileOptions.When(m.LastSync),-21} {m.PendingEffects,7} {m.HeldEffects,5}  {error}");
            }
        }

        var attention = rules.KillSwitch || rules.CrmOutage is not null || mailboxes.Any(m => m.Status != MailboxStatus.Active || m.HeldEffects > 0) || rules.CrmQuarantine is { Count: > 0 };
        return attention ? (int)ExitCode.Findings : (int)ExitCode.Ok;
    }

    private static string Short(string? hash) => hash is null ? "-" : hash[..Math.Min(12, hash.Length)];
}
