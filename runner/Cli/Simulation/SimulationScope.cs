using System.Collections.Immutable;
using System.CommandLine;
using System.CommandLine.Parsing;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using RulesSync.Simulator;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Runner.Cli.Simulation;

/// <summary>
/// The scope options shared by <c>simulate</c>, <c>diff</c> and <c>mutate</c>: which part of the scenario space
/// to explore and how. Defaults are the acceptance scope (3 employees, 1 external, every API version, auto-share
/// setting and provider, up to 3 actions and 2 syncs per employee).
/// </summary>
internal sealed class SimulationScope
{
    private readonly SimulationOptions _defaults = new();

    private readonly bool _admitOptions;

    /// <summary>
    /// A scope whose defaults are the acceptance scope, or a smaller one for commands that simulate many times; with
    /// <paramref name="admitOptions"/>, also <c>--admit</c>, <c>--admit-max-destructive</c> and <c>--threads</c> (<c>check</c>, <c>simulate</c>).
    /// </summary>
    public SimulationScope(int employees = 3, int maxActions = 3, bool admitOptions = false)
    {
        _admitOptions = admitOptions;
        Employees = new("--employees") { Description = "Employees, at most: every population from 1 up to this many is explored. The first organizes.", DefaultValueFactory = _ => employees };
        MaxActions = new("--max-actions") { Description = "Exhaustive mode: user actions after creation, at most.", DefaultValueFactory = _ => maxActions };
    }

    public Option<int> Employees { get; }

    public Option<int> Externals { get; } = new("--externals") { Description = "External attendees (exhaustive).", DefaultValueFactory = _ => 1 };

    public Option<ImmutableArray<ApiVersion>> Api { get; } = ListOption("--api", "CRM API versions: v1,v2.", [ApiVersion.V1, ApiVersion.V2], s => s switch
    {
        "v1" => ApiVersion.V1,
        "v2" => ApiVersion.V2,
        _ => null,
    });

    public Option<ImmutableArray<bool>> AutoShare { get; } = ListOption("--auto-share", "Auto-share settings: on,off.", [false, true], s => s switch
    {
        "on" => true,
        "off" => false,
        _ => (bool?)null,
    });

    public Option<ImmutableArray<Provider>> Providers { get; } = ListOption("--providers", "Mailbox providers: exchange,google.", [Provider.Exchange, Provider.Google], s => s switch
    {
        "exchange" => Provider.Exchange,
        "google" => Provider.Google,
        _ => (Provider?)null,
    });

    public Option<ImmutableArray<MeetingOrigin>> Origins { get; } = ListOption("--origins", "Where meetings are created: mailbox,crm.", [MeetingOrigin.Mailbox, MeetingOrigin.Crm], s => s switch
    {
        "mailbox" => MeetingOrigin.Mailbox,
        "crm" => MeetingOrigin.Crm,
        _ => (MeetingOrigin?)null,
    });

    public Option<string> Mode { get; } = new Option<string>("--mode") { Description = "exhaustive or random.", DefaultValueFactory = _ => "exhaustive" }
        .AcceptOnlyFromAmong("exhaustive", "random");

    public Option<int> Runs { get; } = new("--runs") { Description = "Random mode: number of scenarios.", DefaultValueFactory = _ => 1000 };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Random mode: the master seed (printed; replay with the same seed).", DefaultValueFactory = _ => 20200222 };

    public Option<int> MaxSteps { get; } = new("--max-steps") { Description = "Random mode: schedule length after creation, at most.", DefaultValueFactory = _ => 12 };

    public Option<int> MaxActions { get; }

    public Option<int> MaxSyncs { get; } = new("--max-syncs") { Description = "Exhaustive mode: syncs per employee, at most.", DefaultValueFactory = _ => 2 };

    public Option<int> ExternalOrganizers { get; } = new("--external-organizers") { Description = "Exhaustive mode: populations up to this many employees are also explored with a customer organizing the meeting (0: none).", DefaultValueFactory = _ => new SimulationOptions().ExternalOrganizerEmployees };

    public Option<int> AttendeeChanges { get; } = new("--attendee-changes") { Description = "Exhaustive mode: populations up to this many employees also explore the organizer removing an employee and inviting them again (0: none).", DefaultValueFactory = _ => new SimulationOptions().AttendeeChangeEmployees };

    public Option<int> WindowEdge { get; } = new("--window-edge") { Description = "Exhaustive mode: populations up to this many employees also explore the organizer moving the meeting across the sync window's edge (0: none).", DefaultValueFactory = _ => new SimulationOptions().WindowEdgeEmployees };

    public Option<int> SecondMeeting { get; } = new("--second-meeting") { Description = "Exhaustive mode: populations up to this many employees are also explored with a second meeting of the same organizer, rescheduled or cancelled on its own (0: none).", DefaultValueFactory = _ => new SimulationOptions().SecondMeetingEmployees };

    public Option<int> CrmEdits { get; } = new("--crm-edits") { Description = "Exhaustive mode: populations up to this many employees also explore a CRM user moving the appointment and handing it over to another owner (0: none).", DefaultValueFactory = _ => new SimulationOptions().CrmEditEmployees };

    public Option<int> CrmStatusEdits { get; } = new("--crm-status-edits") { Description = "Exhaustive mode: populations up to this many employees also explore a CRM user completing and reopening the appointment and removing and adding again an employee party (0: none).", DefaultValueFactory = _ => new SimulationOptions().CrmStatusEditEmployees };

    public Option<int> BeyondWindow { get; } = new("--beyond-window") { Description = "Exhaustive mode: populations up to this many employees are also explored with the meeting created beyond the sync window, entering it by the organizer's move or a CRM user's reschedule (0: none).", DefaultValueFactory = _ => new SimulationOptions().BeyondWindowEmployees };

    public Option<int> Visits { get; } = new("--visits") { Description = "Exhaustive mode: populations up to this many employees are also explored with the meeting a visit (0: none).", DefaultValueFactory = _ => new SimulationOptions().VisitEmployees };

    public Option<bool> Admit { get; } = new("--admit")
    {
        Description = "Run every simulated sync through the admit and journal stages the live runner runs (intent guard, mass-change budget with the documented default limits) and also explore each sync crashing at the journal boundary and resuming. Adds the invariant admitted-within-budget; what the stages hold counts as held. Default: off, the rules are judged bare.",
    };

    public Option<int> AdmitMaxDestructive { get; } = new("--admit-max-destructive")
    {
        Description = "With --admit: destructive effects one mailbox's sync may carry out (the mass-change guard's per-mailbox limit).",
        DefaultValueFactory = _ => GuardLimits.Defaults.MaxDestructivePerMailbox,
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Scenarios (exhaustive) or random runs simulated at once; 0 for one per core. The report is the same at any setting.",
        DefaultValueFactory = _ => 0,
    };

    public void AddTo(Command command)
    {
        if (_admitOptions)
        {
            command.Add(Admit);
            command.Add(AdmitMaxDestructive);
            command.Add(Threads);
        }

        command.Add(Employees);
        command.Add(Externals);
        command.Add(Api);
        command.Add(AutoShare);
        command.Add(Providers);
        command.Add(Origins);
        command.Add(Mode);
        command.Add(Runs);
        command.Add(Seed);
        command.Add(MaxSteps);
        command.Add(MaxActions);
        command.Add(MaxSyncs);
        command.Add(ExternalOrganizers);
        command.Add(Visits);
        command.Add(AttendeeChanges);
        command.Add(WindowEdge);
        command.Add(SecondMeeting);
        command.Add(CrmEdits);
        command.Add(CrmStatusEdits);
        command.Add(BeyondWindow);
    }

    public SimulationOptions Read(ParseResult parse)
    {
        var employees = Bounded(parse, Employees, 1, 8);
        var externals = Bounded(parse, Externals, 0, 4);
        var runs = Bounded(parse, Runs, 1, 10_000_000);
        var maxSteps = Bounded(parse, MaxSteps, 1, 64);
        var maxActions = Bounded(parse, MaxActions, 0, 6);
        var maxSyncs = Bounded(parse, MaxSyncs, 1, 4);
        var externalOrganizers = Bounded(parse, ExternalOrganizers, 0, 8);
        var visits = Bounded(parse, Visits, 0, 8);
        var attendeeChanges = Bounded(parse, AttendeeChanges, 0, 8);
        var windowEdge = Bounded(parse, WindowEdge, 0, 8);
        var secondMeeting = Bounded(parse, SecondMeeting, 0, 8);
        var crmEdits = Bounded(parse, CrmEdits, 0, 8);
        var crmStatusEdits = Bounded(parse, CrmStatusEdits, 0, 8);
        var beyondWindow = Bounded(parse, BeyondWindow, 0, 8);
        var admit = _admitOptions && parse.GetValue(Admit);
        var maxDestructive = _admitOptions ? Bounded(parse, AdmitMaxDestructive, 0, 1_000_000) : GuardLimits.Defaults.MaxDestructivePerMailbox;
        if (_admitOptions && !admit && parse.GetResult(AdmitMaxDestructive) is { Implicit: false })
        {
            throw new Cli.InvalidInputException("error: --admit-max-destructive needs --admit");
        }

        var threads = _admitOptions ? Bounded(parse, Threads, 0, 256) : 0;
        return _defaults with
        {
            MaxDegreeOfParallelism = threads == 0 ? -1 : threads,
            Admit = admit,
            AdmitLimits = GuardLimits.Defaults with { MaxDestructivePerMailbox = maxDestructive },
            Employees = employees,
            ExternalAttendees = externals,
            ApiVersions = parse.GetValue(Api),
            AutoShare = parse.GetValue(AutoShare),
            Providers = parse.GetValue(Providers),
            Origins = parse.GetValue(Origins),
            Mode = parse.GetValue(Mode) == "random" ? SimulationMode.Random : SimulationMode.Exhaustive,
            Runs = runs,
            Seed = parse.GetValue(Seed),
            MaxSteps = maxSteps,
            MaxActions = maxActions,
            MaxSyncsPerEmployee = maxSyncs,
            ExternalOrganizerEmployees = externalOrganizers,
            VisitEmployees = visits,
            AttendeeChangeEmployees = attendeeChanges,
            WindowEdgeEmployees = windowEdge,
            SecondMeetingEmployees = secondMeeting,
            CrmEditEmployees = crmEdits,
            CrmStatusEditEmployees = crmStatusEdits,
            BeyondWindowEmployees = beyondWindow,
        };
    }

    /// <summary>The option's value, refused (invalid input) outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    private static int Bounded(ParseResult parse, Option<int> option, int min, int max)
    {
        var value = parse.GetValue(option);
        return value >= min && value <= max
            ? value
            : throw new Cli.InvalidInputException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture, $"error: {option.Name} must be between {min:N0} and {max:N0}"));
    }

    private static Option<ImmutableArray<T>> ListOption<T>(string name, string description, ImmutableArray<T> all, Func<string, T?> parse)
        where T : struct => new(name)
        {
            Description = description + " Default: all.",
            DefaultValueFactory = _ => all,
            CustomParser = r => ParseList(r, name, parse),
        };

    private static ImmutableArray<T> ParseList<T>(ArgumentResult r, string name, Func<string, T?> parse)
        where T : struct
    {
        var values = ImmutableArray.CreateBuilder<T>();
        foreach (var token in r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (parse(token.ToLowerInvariant()) is { } v)
            {
                if (!values.Contains(v))
                {
                    values.Add(v);
                }
            }
            else
            {
                r.AddError($"{name}: '{token}' is not a valid value");
            }
        }

        if (values.Count == 0)
        {
            r.AddError($"{name}: at least one value is required");
        }

        return values.ToImmutable();
    }
}
