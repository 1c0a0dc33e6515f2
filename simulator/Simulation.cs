using System.Collections.Immutable;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Rules.Compilation;
using RulesSync.Engine.Sync;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Invariants;
using RulesSync.Simulator.Reports;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator;

/// <summary>How the simulator covers the space.</summary>
public enum SimulationMode
{
    /// <summary>Every interleaving within the bounds, every combination of API version, auto-share, providers and origin.</summary>
    Exhaustive,

    /// <summary>Random scenarios and schedules from <see cref="Arbitraries"/>, shrunk on failure.</summary>
    Random,
}

/// <summary>What to simulate. Immutable; every property has the acceptance scope's default.</summary>
public sealed record SimulationOptions
{
    /// <summary>
    /// Employees, at most (A organizes, the others attend). Exhaustive mode explores every population from 1 to this
    /// many, so a defect found with fewer employees is found at every larger scope too; random mode draws 1..this many.
    /// </summary>
    public int Employees { get; init; } = 3;

    /// <summary>External attendees (exhaustive only; random draws 0..2).</summary>
    public int ExternalAttendees { get; init; } = 1;

    /// <summary>API versions to cover.</summary>
    public ImmutableArray<ApiVersion> ApiVersions { get; init; } = [ApiVersion.V1, ApiVersion.V2];

    /// <summary>Auto-share settings to cover.</summary>
    public ImmutableArray<bool> AutoShare { get; init; } = [false, true];

    /// <summary>Providers each employee's mailbox may have (exhaustive: every assignment).</summary>
    public ImmutableArray<Provider> Providers { get; init; } = [Provider.Exchange, Provider.Google];

    /// <summary>Where the meeting may be created.</summary>
    public ImmutableArray<MeetingOrigin> Origins { get; init; } = [MeetingOrigin.Mailbox, MeetingOrigin.Crm];

    /// <summary>
    /// Exhaustive: populations (1 up to this many employees) whose scenarios are also explored with a customer as the
    /// organizer (every employee invited; origin crm: A tracked the invitation in the CRM); 0 for none.
    /// </summary>
    public int ExternalOrganizerEmployees { get; init; } = 2;

    /// <summary>Exhaustive: populations (1 up to this many employees) whose scenarios are also explored as visits; 0 for none.</summary>
    public int VisitEmployees { get; init; } = 2;

    /// <summary>
    /// Exhaustive: populations (1 up to this many employees) in which the organizer also removes an employee and
    /// invites them again (<see cref="Scenario.AttendeeChanges"/>); 0 for none.
    /// </summary>
    public int AttendeeChangeEmployees { get; init; } = 2;

    /// <summary>
    /// Exhaustive: populations (1 up to this many employees) in which the organizer may also move the meeting across
    /// the sync window's edge (beyond it, and back in); 0 for none. The acceptance scope crosses it up to 2 employees
    /// (docs/simulator.md, "The sync window's edge": its cost, and why 3 is left out).
    /// </summary>
    public int WindowEdgeEmployees { get; init; } = 2;

    /// <summary>
    /// Exhaustive: populations (1 up to this many employees) whose scenarios (appointments an employee organizes) are
    /// also explored with a second meeting of the same organizer (<see cref="Scenario.SecondMeeting"/>: created with the
    /// first, rescheduled or cancelled on its own); 0 for none. Opt-in (docs/simulator.md, "Two meetings of one owner").
    /// </summary>
    public int SecondMeetingEmployees { get; init; }

    /// <summary>
    /// Exhaustive: populations (1 up to this many employees) in which a CRM user also moves the appointment and hands
    /// it over to another owner (<see cref="Scenario.CrmFieldEdits"/>), beside renaming, cancelling and deleting it; 0
    /// for none.
    /// </summary>
    public int CrmEditEmployees { get; init; }

    /// <summary>
    /// Exhaustive: populations (1 up to this many employees) in which a CRM user also completes and reopens the
    /// appointment and removes and adds again an employee party (<see cref="Scenario.CrmStatusEdits"/>); 0 for none.
    /// The acceptance scope has them up to 2 employees (docs/simulator.md, "CRM edits of status and parties": its cost,
    /// and why 3 is left out).
    /// </summary>
    public int CrmStatusEditEmployees { get; init; } = 2;

    /// <summary>
    /// Exhaustive: populations (1 up to this many employees) whose appointments an employee organizes are also explored
    /// created beyond the sync window (<see cref="Scenario.CreatedBeyondWindow"/>), entering it by the organizer's move
    /// or a CRM user's reschedule; 0 for none. Opt-in (docs/simulator.md, "Meetings created beyond the window").
    /// </summary>
    public int BeyondWindowEmployees { get; init; }

    /// <summary>Exhaustive or random.</summary>
    public SimulationMode Mode { get; init; } = SimulationMode.Exhaustive;

    /// <summary>Exhaustive: user actions after creation, at most.</summary>
    public int MaxActions { get; init; } = 3;

    /// <summary>Exhaustive: syncs per employee, at most.</summary>
    public int MaxSyncsPerEmployee { get; init; } = 2;

    /// <summary>Random: number of runs.</summary>
    public int Runs { get; init; } = 100;

    /// <summary>Random: the master seed.</summary>
    public ulong Seed { get; init; } = 20200222;

    /// <summary>Random: schedule length after creation, at most.</summary>
    public int MaxSteps { get; init; } = 12;

    /// <summary>
    /// Exhaustive: explore attendees up to renaming. Attendees with the same provider are interchangeable, so a state
    /// and its mirror (B and C swapped) are explored once, and of two provider assignments that differ only by
    /// renaming attendees (A,B,C = exchange,google,exchange vs exchange,exchange,google) only one is explored.
    /// </summary>
    public bool Symmetry { get; init; } = true;

    /// <summary>
    /// Exhaustive: partial-order reduction (sleep sets). Of two orders of independent steps — neither writes what the
    /// other reads — only one is taken: every distinct state is still visited, the same violations are found at the
    /// same depth, fewer schedules are counted (docs/simulator.md, "Partial-order reduction"). Off: every order.
    /// </summary>
    public bool Reduction { get; init; } = true;

    /// <summary>
    /// Scenarios (exhaustive) or random runs explored at once (each on one thread); -1 for as many as the machine has
    /// cores, 1 for one thread. The report is the same at any setting.
    /// </summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// Every sync runs the admit and journal stages the live runner runs (the intent guard and the mass-change budget
    /// over an in-memory journal, <see cref="World.SimJournal"/>), and exhaustive mode also explores a crash of each
    /// employee's sync at the journal/carry-out boundary (one more user action per employee) and its resume. Adds the
    /// invariant <c>admitted-within-budget</c>; what the stages hold counts as held (<c>nothing-held</c>). Off (the
    /// default): the rules are judged bare, as <c>check</c>'s verdicts always have been.
    /// </summary>
    public bool Admit { get; init; }

    /// <summary>With <see cref="Admit"/>: the guard's limits the admit stage applies (default: the documented defaults).</summary>
    public GuardLimits AdmitLimits { get; init; } = GuardLimits.Defaults;

    /// <summary>The syncs' clock reading (an input: the simulator reads no clock).</summary>
    public DateTimeOffset Now { get; init; } = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
}

/// <summary>Progress of a long simulation, for a progress bar.</summary>
/// <param name="Done">Scenarios (exhaustive) or runs (random) finished.</param>
/// <param name="Total">Scenarios or runs in all.</param>
/// <param name="Violations">Violations found so far.</param>
public readonly record struct SimulationProgress(long Done, long Total, int Violations);

/// <summary>
/// The simulator's entry point: explores a policy against the in-memory world and reports schedules explored,
/// distinct states, violations with traces, rule coverage and coverage goals. Deterministic: the same options and
/// policy give the same report. Not thread-safe per call; calls are independent.
/// </summary>
public static class Simulation
{
    /// <summary>Runs the simulation <paramref name="options"/> describe against <paramref name="policy"/>.</summary>
    public static SimulationReport Run(SimulationOptions options, IDecisionPolicy policy, IProgress<SimulationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        return options.Mode == SimulationMode.Exhaustive ? RunExhaustive(options, policy, progress) : RunRandom(options, policy, progress);
    }

    /// <summary>
    /// Every scenario of the exhaustive scope: populations of 1 to <see cref="SimulationOptions.Employees"/> employees ×
    /// API versions × auto-share × provider assignments × origins (smallest population first); for populations up to
    /// <see cref="SimulationOptions.ExternalOrganizerEmployees"/> the same with a customer organizing, and up to
    /// <see cref="SimulationOptions.VisitEmployees"/> the same as visits.
    /// </summary>
    public static ImmutableArray<Scenario> ExhaustiveScenarios(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var list = ImmutableArray.CreateBuilder<Scenario>();
        for (var employees = 1; employees <= options.Employees; employees++)
        {
            AddScenarios(options, employees, MeetingType.Appointment, false, list);
            if (employees <= options.ExternalOrganizerEmployees)
            {
                AddScenarios(options, employees, MeetingType.Appointment, true, list);
            }

            if (employees <= options.VisitEmployees)
            {
                AddScenarios(options, employees, MeetingType.Visit, false, list);
            }

            if (employees <= options.SecondMeetingEmployees)
            {
                AddScenarios(options, employees, MeetingType.Appointment, false, list, secondMeeting: true);
            }

            if (employees <= options.BeyondWindowEmployees)
            {
                AddScenarios(options, employees, MeetingType.Appointment, false, list, beyondWindow: true);
            }
        }

        return list.ToImmutable();
    }

    private static void AddScenarios(SimulationOptions options, int employees, MeetingType type, bool externalOrganizer, ImmutableArray<Scenario>.Builder list, bool secondMeeting = false, bool beyondWindow = false)
    {
        var assignments = new List<ImmutableArray<Provider>> { ImmutableArray<Provider>.Empty };
        for (var e = 0; e < employees; e++)
        {
            var grown = new List<ImmutableArray<Provider>>();
            foreach (var a in assignments)
            {
                foreach (var p in options.Providers)
                {
                    grown.Add(a.Add(p));
                }
            }

            assignments = grown;
        }

        foreach (var api in options.ApiVersions)
        {
            foreach (var auto in options.AutoShare)
            {
                foreach (var providers in assignments)
                {
                    if (options.Symmetry && !AttendeesSorted(providers))
                    {
                        continue; // The mirror image of an assignment explored with attendees renamed.
                    }

                    foreach (var origin in options.Origins)
                    {
                        list.Add(new Scenario(providers, options.ExternalAttendees, api, auto, origin, type, false, externalOrganizer) { AttendeeChanges = employees <= options.AttendeeChangeEmployees, WindowEdge = beyondWindow || employees <= options.WindowEdgeEmployees, SecondMeeting = secondMeeting, CrmFieldEdits = beyondWindow || employees <= options.CrmEditEmployees, CrmStatusEdits = employees <= options.CrmStatusEditEmployees, CreatedBeyondWindow = beyondWindow });
                    }
                }
            }
        }
    }

    private static bool AttendeesSorted(ImmutableArray<Provider> providers)
    {
        for (var i = 2; i < providers.Length; i++)
        {
            if (providers[i] < providers[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Replays one case with a full trace (the CLI's replay and the tests use it); with <paramref name="admit"/>, through
    /// the admit and journal stages with those limits (<see cref="SimulationOptions.Admit"/>).
    /// </summary>
    public static ImmutableArray<ViolationReport> Replay(SimulationCase @case, IDecisionPolicy policy, DateTimeOffset now, out ImmutableArray<TraceStep> trace, ulong? seed = null, GuardLimits? admit = null)
    {
        ArgumentNullException.ThrowIfNull(@case);
        ArgumentNullException.ThrowIfNull(policy);
        var r = CaseRunner.Run(@case, policy, now, trace: true, admit: admit is not null, limits: admit);
        trace = r.Trace;
        var steps = r.Schedule.Select(s => s.ToString()).ToImmutableArray();
        var t = r.Trace;
        return r.Reasons.Select(x => new ViolationReport(InvariantCatalog.Name(x.Id), x.Reason, Parameters(@case.Scenario), steps, t, seed)).ToImmutableArray();
    }

    private static SimulationReport RunExhaustive(SimulationOptions o, IDecisionPolicy policy, IProgress<SimulationProgress>? progress)
    {
        var fired = new HashSet<string>(StringComparer.Ordinal);
        var scenarios = ExhaustiveScenarios(o);
        long schedules = 0, states = 0;
        bool orgFirst = false, attFirst = false;
        var violations = ImmutableArray.CreateBuilder<ViolationReport>();
        var found = 0;
        var results = ExhaustiveExplorer.ExploreAll(scenarios, policy, o.Now, o.MaxActions, o.MaxSyncsPerEmployee, fired, o.Symmetry, o.Reduction, o.MaxDegreeOfParallelism, o.Admit ? o.AdmitLimits : null, (done, result) =>
        {
            found += result.Violations.Length;
            progress?.Report(new SimulationProgress(done, scenarios.Length, found));
        });
        foreach (var result in results)
        {
            schedules = checked(schedules + result.Schedules);
            states = checked(states + result.DistinctStates);
            orgFirst |= result.OrganizerFirst;
            attFirst |= result.AttendeeFirst;
            foreach (var v in result.Violations)
            {
                violations.Add(ToReport(v, policy, o.Now, o.Admit ? o.AdmitLimits : null));
            }
        }

        return new SimulationReport(
            "exhaustive", policy.Hash, scenarios.Length, schedules, states, null, null, violations.ToImmutable(),
            Coverage(policy, fired), Goals(o.ApiVersions, o.AutoShare, o.Employees > 1 ? orgFirst : true, o.Employees > 1 ? attFirst : true));
    }

    /// <summary>
    /// Explores the exhaustive scope of <paramref name="o"/> scenario by scenario, in report order, on this thread, and
    /// stops after the first scenario with a violation of an invariant <paramref name="counts"/> accepts. Returns that
    /// invariant's name — the first such one <see cref="Run"/>'s report would list, since the report lists violations in
    /// scenario order and, within a scenario, in invariant order — or null when the whole scope has none (then every
    /// scenario was explored, exactly as <see cref="Run"/> explores it). Mutation testing: a mutant is killed by its
    /// first new violation, so the rest of the scope is not needed. A change no rule decides throws, as in <see cref="Run"/>.
    /// </summary>
    internal static string? FirstViolation(SimulationOptions o, IDecisionPolicy policy, Func<string, bool> counts)
    {
        ArgumentNullException.ThrowIfNull(o);
        var explorer = new ExhaustiveExplorer(policy, o.Now, o.MaxActions, o.MaxSyncsPerEmployee, new HashSet<string>(StringComparer.Ordinal), o.Symmetry, o.Reduction, admit: o.Admit, limits: o.Admit ? o.AdmitLimits : null);
        foreach (var scenario in ExhaustiveScenarios(o))
        {
            var hit = explorer.Explore(scenario).Violations.Select(v => InvariantCatalog.Name(v.Invariant)).FirstOrDefault(counts);
            if (hit is not null)
            {
                return hit;
            }
        }

        return null;
    }

    /// <summary>Random runs drawn and run at once, in parallel, before they are folded in order.</summary>
    private const int RandomBatch = 256;

    private static SimulationReport RunRandom(SimulationOptions o, IDecisionPolicy policy, IProgress<SimulationProgress>? progress)
    {
        var fired = new HashSet<string>(StringComparer.Ordinal);
        var apis = new HashSet<ApiVersion>();
        var autos = new HashSet<bool>();
        bool orgFirst = false, attFirst = false;
        long steps = 0;
        var violations = ImmutableArray.CreateBuilder<ViolationReport>();
        var runs = 0;
        (SimulationCase Case, ulong Seed)? failing = null;
        var admit = o.Admit ? o.AdmitLimits : null;

        // The runs are independent (each draws its case from its own seed), so they are run a batch at a time on every
        // allowed core and folded in run order exactly as one thread would: up to the first failing run, whose rules
        // fired count and after which nothing does. The report is the same at any parallelism.
        var batch = o.MaxDegreeOfParallelism == 1 ? 1 : RandomBatch;
        var drawn = new (SimulationCase Case, ulong Seed, CaseResult? Result, HashSet<string>? Fired)[batch];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.MaxDegreeOfParallelism == 0 ? 1 : o.MaxDegreeOfParallelism };
        for (var from = 0; from < o.Runs && failing is null; from += batch)
        {
            var count = Math.Min(batch, o.Runs - from);
            void RunOne(int i)
            {
                var seed = Arbitraries.RunSeed(o.Seed, from + i);
                var c = Arbitraries.Draw(seed, o.Employees, o.MaxSteps, crashes: o.Admit);
                if (!o.ApiVersions.Contains(c.Scenario.ApiVersion) || !o.AutoShare.Contains(c.Scenario.AutoShare))
                {
                    drawn[i] = (c, seed, null, null);
                    return;
                }

                var local = new HashSet<string>(StringComparer.Ordinal);
                drawn[i] = (c, seed, CaseRunner.Run(c, policy, o.Now, trace: false, fired: local, admit: o.Admit, limits: o.AdmitLimits), local);
            }

            if (count == 1)
            {
                RunOne(0);
            }
            else
            {
                Parallel.For(0, count, parallel, RunOne);
            }

            for (var i = 0; i < count; i++)
            {
                var run = from + i;
                var (c, seed, result, local) = drawn[i];
                if (result is null)
                {
                    continue;
                }

                runs++;
                apis.Add(c.Scenario.ApiVersion);
                autos.Add(c.Scenario.AutoShare);
                var firstSync = c.Steps.FirstOrDefault(s => s.Kind == StepKind.Sync);
                if (c.Scenario.Employees > 1 && c.Steps.Any(s => s.Kind == StepKind.Sync))
                {
                    orgFirst |= firstSync.Employee == 0;
                    attFirst |= firstSync.Employee > 0;
                }

                fired.UnionWith(local!);
                steps += result.Schedule.Length;
                if (result.Violated != 0)
                {
                    var shrunk = ShrinkCase(c, policy, o.Now, result.Reasons[0].Id, admit);
                    violations.AddRange(Replay(shrunk, policy, o.Now, out _, seed, admit).Where(v => v.Invariant == InvariantCatalog.Name(result.Reasons[0].Id)));
                    failing = (c, seed);
                    progress?.Report(new SimulationProgress(run + 1, o.Runs, violations.Count));
                    break;
                }

                if ((run & 63) == 63)
                {
                    progress?.Report(new SimulationProgress(run + 1, o.Runs, violations.Count));
                }
            }
        }

        // Determinism self-check: the same seed draws the same case and replays to the same trace.
        var check = failing ?? (Arbitraries.Draw(o.Seed, o.Employees, o.MaxSteps, crashes: o.Admit), o.Seed);
        var again = Arbitraries.Draw(check.Seed, o.Employees, o.MaxSteps, crashes: o.Admit);
        var t1 = string.Join('\n', CaseRunner.Run(check.Case, policy, o.Now, trace: true, admit: o.Admit, limits: o.AdmitLimits).Trace.Select(s => s.Render()));
        var t2 = string.Join('\n', CaseRunner.Run(again, policy, o.Now, trace: true, admit: o.Admit, limits: o.AdmitLimits).Trace.Select(s => s.Render()));
        var deterministic = check.Case.Equals(again) && t1 == t2;

        return new SimulationReport(
            "random", policy.Hash, runs, steps, 0, o.Seed, deterministic, violations.ToImmutable(),
            Coverage(policy, fired), Goals([.. apis], [.. autos], orgFirst, attFirst));
    }

    /// <summary>Greedy shrinking with <see cref="Arbitraries.Shrink"/>: keep the first smaller case that still violates the invariant, until none does.</summary>
    internal static SimulationCase ShrinkCase(SimulationCase c, IDecisionPolicy policy, DateTimeOffset now, InvariantId invariant, GuardLimits? admit = null)
    {
        var improved = true;
        while (improved)
        {
            improved = false;
            foreach (var smaller in Arbitraries.Shrink(c))
            {
                if (CaseRunner.Run(smaller, policy, now, trace: false, admit: admit is not null, limits: admit).Has(invariant))
                {
                    c = smaller;
                    improved = true;
                    break;
                }
            }
        }

        return c;
    }

    private static ViolationReport ToReport(FoundViolation v, IDecisionPolicy policy, DateTimeOffset now, GuardLimits? admit)
    {
        var c = new SimulationCase(v.Scenario, v.Steps.RemoveAt(0));
        var r = CaseRunner.Run(c, policy, now, trace: true, quiescence: false, admit: admit is not null, limits: admit);
        var trace = r.Trace.Select((t, i) => t with { Quiescence = i >= v.Explored }).ToImmutableArray();
        return new ViolationReport(InvariantCatalog.Name(v.Invariant), v.Reason, Parameters(v.Scenario), v.Steps.Select(s => s.ToString()).ToImmutableArray(), trace, null);
    }

    internal static ScenarioParameters Parameters(Scenario s) => new(
        s.Employees,
        s.ExternalAttendees,
        s.ApiVersion == ApiVersion.V1 ? "v1" : "v2",
        s.AutoShare,
        s.Origin == MeetingOrigin.Mailbox ? "mailbox" : "crm",
        s.Providers.Select(p => p.ToString().ToLowerInvariant()).ToImmutableArray(),
        s.MeetingType.ToString().ToLowerInvariant(),
        s.Past,
        s.ExternalOrganizer,
        s.HasSecondMeeting,
        s.WindowEdge,
        s.CrmFieldEdits,
        s.CrmStatusEdits,
        s.CreatedBeyondWindow);

    private static RuleCoverage Coverage(IDecisionPolicy policy, HashSet<string> fired)
    {
        var rules = policy is CompiledRuleSet compiled
            ? compiled.Model.Rules.Select(r => r.Name).ToImmutableArray()
            : [.. fired.Order(StringComparer.Ordinal)];
        return new RuleCoverage(rules, rules.Where(fired.Contains).ToImmutableArray(), rules.Where(r => !fired.Contains(r)).ToImmutableArray());
    }

    private static ImmutableArray<CoverageGoal> Goals(IEnumerable<ApiVersion> apis, IEnumerable<bool> autos, bool orgFirst, bool attFirst) =>
    [
        new("api v1", apis.Contains(ApiVersion.V1)),
        new("api v2", apis.Contains(ApiVersion.V2)),
        new("auto-share on", autos.Contains(true)),
        new("auto-share off", autos.Contains(false)),
        new("organizer syncs first", orgFirst),
        new("attendee syncs first", attFirst),
    ];
}
