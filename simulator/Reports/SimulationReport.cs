using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RulesSync.Simulator.Reports;

/// <summary>The scenario a violation happened in, as plain values (for JSON and the CLI's table). Immutable.</summary>
/// <param name="Employees">Employees taking part (A organizes).</param>
/// <param name="ExternalAttendees">People outside the tenant invited.</param>
/// <param name="ApiVersion"><c>v1</c> or <c>v2</c>.</param>
/// <param name="AutoShare">The tenant flag.</param>
/// <param name="Origin"><c>mailbox</c> or <c>crm</c>.</param>
/// <param name="Providers">One provider per employee (<c>exchange</c>, <c>google</c>), A first.</param>
/// <param name="MeetingType"><c>appointment</c> or <c>visit</c>.</param>
/// <param name="Past">Whether the meeting lies in the past.</param>
/// <param name="ExternalOrganizer">Whether a customer organizes the meeting (every employee invited).</param>
/// <param name="SecondMeeting">Whether the organizer also organizes a second meeting, <c>m2</c>, with the same attendees.</param>
/// <param name="WindowEdge">Whether the organizer may move the meeting across the sync window's edge.</param>
/// <param name="CrmEdits">Whether a CRM user may edit the appointment's time and owner.</param>
/// <param name="CrmStatusEdits">Whether a CRM user may complete and reopen the appointment and edit its parties.</param>
/// <param name="BeyondWindow">Whether the meeting is created beyond the sync window.</param>
public sealed record ScenarioParameters(int Employees, int ExternalAttendees, string ApiVersion, bool AutoShare, string Origin, ImmutableArray<string> Providers, string MeetingType, bool Past, bool ExternalOrganizer = false, bool SecondMeeting = false, bool WindowEdge = false, bool CrmEdits = false, bool CrmStatusEdits = false, bool BeyondWindow = false)
{
    /// <summary>The scenario's options beyond the plain ones, as the scenario line names them (e.g. <c> visit +m2 crm-status-edits</c>), or empty.</summary>
    public string Extras =>
        string.Concat(
            MeetingType == "visit" ? " visit" : string.Empty,
            Past ? " past" : string.Empty,
            ExternalOrganizer ? " organizer=external" : string.Empty,
            SecondMeeting ? " +m2" : string.Empty,
            WindowEdge ? " window-edge" : string.Empty,
            CrmEdits ? " crm-edits" : string.Empty,
            CrmStatusEdits ? " crm-status-edits" : string.Empty,
            BeyondWindow ? " beyond-window" : string.Empty);
}

/// <summary>
/// One invariant violation: which invariant, why, in which scenario, the replayable schedule (creation and
/// quiescence syncs included), the numbered trace, and the seed of the random run that found it. Immutable.
/// </summary>
/// <param name="Invariant">The invariant's name (<c>no-spurious-cancellation</c>, ...).</param>
/// <param name="Message">What went wrong, in domain words.</param>
/// <param name="Scenario">The scenario's parameters.</param>
/// <param name="Schedule">The steps, as <see cref="Scenarios.ScheduleStep"/> text, replayable.</param>
/// <param name="Trace">The numbered trace.</param>
/// <param name="Seed">The random run's seed (replay with <c>--mode random --runs 1 --seed S</c>); null for exhaustive finds.</param>
public sealed record ViolationReport(string Invariant, string Message, ScenarioParameters Scenario, ImmutableArray<string> Schedule, ImmutableArray<TraceStep> Trace, ulong? Seed)
{
    /// <summary>The violation as text: a heading and the numbered trace.</summary>
    public string Render() =>
        $"{Invariant}: {Message}\n  scenario: employees={Scenario.Employees} externals={Scenario.ExternalAttendees} api={Scenario.ApiVersion} autoShare={(Scenario.AutoShare ? "on" : "off")} origin={Scenario.Origin} providers={string.Join(',', Scenario.Providers)}{Scenario.Extras}"
        + (Seed is { } s ? $" seed={s}" : string.Empty) + "\n"
        + string.Join('\n', Trace.Select(t => "  " + t.Render().Replace("\n", "\n  ", StringComparison.Ordinal)));
}

/// <summary>Which rules decided at least once over the explored space, and which never did. Immutable.</summary>
/// <param name="Rules">Every rule of the rule set, in rule-set order (empty when the policy does not list its rules).</param>
/// <param name="Fired">Rules that decided at least one change.</param>
/// <param name="NeverFired">Rules that never decided anything.</param>
public sealed record RuleCoverage(ImmutableArray<string> Rules, ImmutableArray<string> Fired, ImmutableArray<string> NeverFired);

/// <summary>A coverage goal of the explored space and whether it was reached. Immutable.</summary>
/// <param name="Name">E.g. <c>api v1</c>, <c>auto-share on</c>, <c>attendee syncs first</c>.</param>
/// <param name="Reached">Whether the exploration reached it.</param>
public sealed record CoverageGoal(string Name, bool Reached);

/// <summary>
/// The result of a simulation, serializable to JSON (<see cref="ToJson"/>): schedules explored, distinct states,
/// every violation (invariant, scenario parameters, trace steps, seed), rule coverage and coverage goals. Immutable.
/// </summary>
/// <param name="Mode"><c>exhaustive</c> or <c>random</c>.</param>
/// <param name="RuleSetHash">The policy's content hash.</param>
/// <param name="Scenarios">Scenarios explored (exhaustive: configurations; random: runs).</param>
/// <param name="SchedulesExplored">Schedules (prefixes included) covered.</param>
/// <param name="DistinctStates">Distinct states expanded.</param>
/// <param name="Seed">The master seed (random mode).</param>
/// <param name="DeterminismVerified">Random mode: replaying the same seed gave the same trace.</param>
/// <param name="Violations">Violations, shortest per scenario and invariant (exhaustive) or shrunk (random).</param>
/// <param name="Coverage">Rule coverage.</param>
/// <param name="Goals">Coverage goals.</param>
public sealed record SimulationReport(
    string Mode,
    string RuleSetHash,
    long Scenarios,
    long SchedulesExplored,
    long DistinctStates,
    ulong? Seed,
    bool? DeterminismVerified,
    ImmutableArray<ViolationReport> Violations,
    RuleCoverage Coverage,
    ImmutableArray<CoverageGoal> Goals)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Whether no invariant was violated.</summary>
    public bool Passed => Violations.IsEmpty;

    /// <summary>Whether every coverage goal was reached.</summary>
    public bool GoalsMet => Goals.All(g => g.Reached);

    /// <summary>The report as indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    public static SimulationReport FromJson(string json) =>
        JsonSerializer.Deserialize<SimulationReport>(json, Json) ?? throw new JsonException("empty report");
}
