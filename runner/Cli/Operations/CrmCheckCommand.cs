using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using RulesSync.Runner.Cli;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Crm;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// <c>rulesync crm check --config rulesync.yaml [--top N]</c>: connects to the configured CRM, checks the mapping
/// against its <c>$metadata</c>, reads one page of appointments and visits and prints them as the engine would see
/// them, then the records the mapping refuses. Reads only: writes nothing, fetches no CSRF token. Exit 0 when all
/// records map, 1 when some are quarantined, 2 when the mapping does not fit the metadata (naming set and field).
/// </summary>
internal static class CrmCheckCommand
{
    public static Command Create(CliConsole console)
    {
        var config = new Option<string>("--config") { Description = "The runner's config file.", DefaultValueFactory = _ => "rulesync.yaml" };
        var top = new Option<int>("--top") { Description = "Records to read per entity set.", DefaultValueFactory = _ => 20 };
        var check = new Command("check", "Check the CRM mapping against the service's $metadata and print one page of mapped records; writes nothing.") { config, top };
        check.SetAction(parse => Run(console, parse.GetValue(config)!, Math.Clamp(parse.GetValue(top), 1, 1000)));
        return new Command("crm", "The CRM connection.") { check };
    }

    internal static int Run(CliConsole console, string configPath, int top)
    {
        var options = RunnerConfigurationLoader.Load(configPath);
        try
        {
            return Check(console, configPath, options, top);
        }
        catch (Exception e) when (e is ODataCrmException or ODataTransientException or HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
        {
            // The CRM could not be read (unreachable, refused, an unreadable answer): said plainly, exit 1.
            console.Error.WriteLine($"error: crm: {options.Crm.ServiceRoot}: {e.Message}");
            return (int)ExitCode.Findings;
        }
    }

    private static int Check(CliConsole console, string configPath, RunnerOptions options, int top)
    {
        using var crm = new ODataCrmConnection(options.Crm, TimeProvider.System, NullLoggerFactory.Instance);
        CrmMetadataReport report;
        try
        {
            report = crm.EnsureMappingAsync().GetAwaiter().GetResult();
        }
        catch (CrmMappingException e)
        {
            throw new InvalidInputException($"{configPath}: error: crm: {e.Message}");
        }

        var profile = options.Crm.EffectiveProfile;
        console.Out.WriteLine($"service {options.Crm.ServiceRoot} ({profile.Service}): $metadata fits the mapping{(report.UidAvailable ? string.Empty : $"; no UID field ({profile.Appointment.Uid ?? "none in this dialect"}): records carry no meeting UID")}");
        var (records, quarantined) = crm.ForEmployee("check@" + options.Tenant).ReadFirstPageAsync(top).GetAwaiter().GetResult();
        console.Out.WriteLine();
        console.Out.WriteLine($"{"type",-11} {"ObjectID",-34} {"start",-25} {"end",-25} {"status",-9} {"organizer",-28} {"owner",-28} subject / parties");
        foreach (var r in records)
        {
            console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Type,-11} {r.ObjectId,-34} {r.Start,-25:yyyy-MM-dd HH:mm zzz} {r.End,-25:yyyy-MM-dd HH:mm zzz} {r.Status,-9} {r.Organizer,-28} {r.Owner,-28} {r.Subject} / {string.Join(", ", r.Parties.Select(p => $"{p.Party} ({p.Role.ToString().ToLowerInvariant()})"))}"));
        }

        console.Out.WriteLine($"{records.Length} record(s) mapped");
        if (quarantined.Length > 0)
        {
            console.Out.WriteLine();
            console.Out.WriteLine($"{quarantined.Length} record(s) quarantined (the runner skips them; nothing is decided on them):");
            foreach (var q in quarantined)
            {
                console.Out.WriteLine("  " + q);
            }
        }

        return quarantined.Length > 0 ? (int)ExitCode.Findings : (int)ExitCode.Ok;
    }
}
