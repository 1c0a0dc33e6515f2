using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.RuleFiles;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// <c>rulesync adopt-rules --config silo.yaml [--tenant NAME]</c> (cluster mode): puts the tenant's rule set as this
/// config (or its <c>cluster.tenants</c> file) has it in force for the whole cluster — the last step of a rolling
/// upgrade, once every silo has the new rule files. Silos whose files hash differently refuse to run the tenant. Needs
/// the tenant's operator token (<c>RULESYNC_OPERATOR_TOKEN</c>); exit 2 with nothing changed otherwise.
/// </summary>
internal static class AdoptRulesCommand
{
    public static Command Create(CliConsole console)
    {
        var state = new StateFileOptions();
        var by = StateFileOptions.By();
        var format = FormatOption.Create();
        var command = new Command("adopt-rules", "Cluster mode: put the tenant's rule set from the config in force on every silo (a rolling upgrade's last step).") { by, format };
        state.AddTo(command);
        command.SetAction(parse =>
        {
            var configPath = parse.GetValue(state.Config)!;
            var options = RunnerConfigurationLoader.Load(configPath, console.Environment);
            if (options.Cluster is null || parse.GetValue(state.State) is not null)
            {
                throw new InvalidInputException($"{configPath}: error: adopt-rules is for cluster mode: the config needs a cluster: section (a single runner always runs its own rules)");
            }

            var name = parse.GetValue(state.Tenant) ?? options.Tenant;
            var tenant = ClusterTenants.Load(options, console.Environment).FirstOrDefault(t => t.Tenant == name)
                ?? throw new InvalidInputException($"{configPath}: error: no tenant '{name}' in this config or its cluster.tenants folder");
            var hash = LiveRuleSet.Load(tenant.ResolveRules(tenant.Rules)).Current.Hash;
            using var opened = state.Open(parse, console);
            var before = opened.Authorize().AdoptRuleSet(hash, parse.GetValue(by)!);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                console.WriteJson(new { tenant = name, inForce = hash, before });
            }
            else
            {
                console.Out.WriteLine(before == hash
                    ? $"tenant {name}: rule set {hash[..12]} was already in force"
                    : $"tenant {name}: rule set {hash[..12]} in force (was {(before is null ? "none" : before[..Math.Min(12, before.Length)])}); silos with other rule files refuse the tenant");
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }
}
