using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using RulesSync.Engine.Changes;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.Exploration;

/// <summary>
/// The named, bounded FsCheck generators of scenarios and schedules, and their shrinker. Random mode, the CLI and the
/// tests' <c>[Property]</c> tests all draw from these. Thread-safe (generators are immutable values).
/// </summary>
public static class Arbitraries
{
    /// <summary>
    /// A scenario of 1..<paramref name="maxEmployees"/> employees (A organizes, or in one of five a customer does),
    /// 0..2 externals, any API version, auto-share, providers, origin and type; one in ten is in the past. The world's
    /// extensions the exhaustive phase explores only in small or opt-in scopes are drawn too (<see cref="Extensions"/>):
    /// the window's edge, CRM edits of time and owner, of status and parties, a second meeting, a meeting created
    /// beyond the window.
    /// </summary>
    public static Gen<Scenario> Scenario(int maxEmployees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEmployees, 1);
        return from employees in Gen.Choose(1, maxEmployees)
               from providers in Gen.ArrayOf(Gen.Elements(Provider.Exchange, Provider.Google), employees)
               from externals in Gen.Choose(0, 2)
               from api in Gen.Elements(ApiVersion.V1, ApiVersion.V2)
               from autoShare in Gen.Elements(false, true)
               from origin in Gen.Elements(MeetingOrigin.Mailbox, MeetingOrigin.Crm)
               from type in Gen.Frequency((4, Gen.Constant(MeetingType.Appointment)), (1, Gen.Constant(MeetingType.Visit)))
               from past in OneIn(10)
               from customer in OneIn(5)
               from extensions in Extensions
               select extensions(new Scenario([.. providers], externals, api, autoShare, origin, type, past, customer));
    }

    /// <summary>
    /// The world's extensions random mode draws for a scenario, each on its own: the organizer may move the meeting
    /// across the window's edge (and the clock take a past meeting out at its past edge) in one scenario of two; a CRM
    /// user may edit its time and owner in one of three, its status and parties in one of three; the organizer has a
    /// second meeting in one of five; the meeting is created beyond the window in one of eight. The combinations the
    /// exhaustive phase does not model are left out, as there: a second meeting and a meeting created beyond the window
    /// only for an appointment an employee organizes, never both at once (the second meeting's convergence knows no
    /// window); created beyond the window: not in the past either, and with the window's edge and the CRM's time edits,
    /// which bring it in.
    /// </summary>
    private static readonly Gen<Func<Scenario, Scenario>> Extensions =
        from windowEdge in OneIn(2)
        from crmEdits in OneIn(3)
        from crmStatusEdits in OneIn(3)
        from secondMeeting in OneIn(5)
        from beyondWindow in OneIn(8)
        select (Func<Scenario, Scenario>)(s =>
        {
            var employeeAppointment = !s.ExternalOrganizer && s.MeetingType == MeetingType.Appointment;
            var beyond = beyondWindow && employeeAppointment && !s.Past;
            return s with
            {
                WindowEdge = windowEdge || beyond,
                CrmFieldEdits = crmEdits || beyond,
                CrmStatusEdits = crmStatusEdits,
                SecondMeeting = secondMeeting && employeeAppointment && !beyond,
                CreatedBeyondWindow = beyond,
            };
        });

    private static Gen<bool> OneIn(int n) => Gen.Frequency((n - 1, Gen.Constant(false)), (1, Gen.Constant(true)));

    /// <summary>
    /// One step of <paramref name="scenario"/>: syncs three times as likely as user actions. The user actions come in
    /// groups, equally likely, each step equally likely within its group: the base world's actions, and each extension
    /// the scenario has (<see cref="ExtensionOf"/>), so an extension's few steps are not drowned by the many others.
    /// With <paramref name="crashes"/> (worlds that run the admit and journal stages), crashes of the employees' syncs at
    /// the journal boundary are one more group, as the exhaustive phase adds them to the user actions.
    /// </summary>
    public static Gen<ScheduleStep> Step(Scenario scenario, bool crashes = false)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var sync = Gen.Choose(0, scenario.Employees - 1).Select(e => new ScheduleStep(StepKind.Sync, e));
        var groups = scenario.Actions(anyAttendeeRemoved: true).GroupBy(a => ExtensionOf(a.Kind)).Select(g => g.ToArray()).ToList();
        if (crashes)
        {
            groups.Add([.. Enumerable.Range(0, scenario.Employees).Select(e => new ScheduleStep(StepKind.SyncCrashes, e))]);
        }

        var actions = Gen.OneOf(groups.Select(g => Gen.Elements<ScheduleStep>(g)));
        return Gen.Frequency((3, sync), (1, actions));
    }

    /// <summary>The extension of the world a step kind belongs to (0: the base world's actions).</summary>
    private static int ExtensionOf(StepKind kind) => kind switch
    {
        StepKind.OrganizerCrossesWindow => 1,
        StepKind.CrmReschedules or StepKind.CrmChangesOwner => 2,
        StepKind.CrmCompletes or StepKind.CrmReopens or StepKind.CrmRemovesParty or StepKind.CrmAddsParty => 3,
        StepKind.SecondMeetingReschedules or StepKind.SecondMeetingCancels => 4,
        _ => 0,
    };

    /// <summary>A schedule of 0..<paramref name="maxSteps"/> steps after creation.</summary>
    public static Gen<ImmutableArray<ScheduleStep>> Schedule(Scenario scenario, int maxSteps, bool crashes = false) =>
        from length in Gen.Choose(0, maxSteps)
        from steps in Gen.ArrayOf(Step(scenario, crashes), length)
        select steps.ToImmutableArray();

    /// <summary>A case: a scenario and a schedule for it (with <paramref name="crashes"/>, crashed syncs among the steps).</summary>
    public static Gen<SimulationCase> Case(int maxEmployees, int maxSteps, bool crashes = false) =>
        from scenario in Scenario(maxEmployees)
        from steps in Schedule(scenario, maxSteps, crashes)
        select new SimulationCase(scenario, steps);

    /// <summary>Cases with <see cref="Shrink"/> as shrinker, for <c>[Property]</c> tests.</summary>
    public static Arbitrary<SimulationCase> Cases(int maxEmployees, int maxSteps) => Arb.From(Case(maxEmployees, maxSteps), Shrink);

    /// <summary>
    /// Smaller variants of a case, simplest first: drop an attendee employee (and their steps), drop the externals,
    /// drop one step, make it present-day and an appointment organized by an employee, drop each of the world's
    /// extensions (and the steps only it allows). Every variant is strictly smaller, so shrinking ends.
    /// </summary>
    public static IEnumerable<SimulationCase> Shrink(SimulationCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var s = c.Scenario;
        for (var drop = s.Employees - 1; drop >= 1; drop--)
        {
            var providers = s.Providers.RemoveAt(drop);
            var steps = ImmutableArray.CreateBuilder<ScheduleStep>();
            foreach (var step in c.Steps)
            {
                var involves = step.Kind is StepKind.Sync or StepKind.SyncCrashes or StepKind.AttendeeDeclines or StepKind.AttendeeDeletesCopy
                    or StepKind.OrganizerRemovesAttendee or StepKind.OrganizerAddsAttendee
                    or StepKind.CrmChangesOwner or StepKind.CrmRemovesParty or StepKind.CrmAddsParty;
                if (involves && step.Employee == drop)
                {
                    continue;
                }

                steps.Add(involves && step.Employee > drop ? step with { Employee = step.Employee - 1 } : step);
            }

            yield return new SimulationCase(s with { Providers = providers }, steps.ToImmutable());
        }

        if (s.ExternalAttendees > 0)
        {
            yield return c with { Scenario = s with { ExternalAttendees = 0 } };
        }

        for (var i = 0; i < c.Steps.Length; i++)
        {
            yield return c with { Steps = c.Steps.RemoveAt(i) };
        }

        if (s.Past)
        {
            yield return c with { Scenario = s with { Past = false } };
        }

        if (s.MeetingType == MeetingType.Visit)
        {
            yield return c with { Scenario = s with { MeetingType = MeetingType.Appointment } };
        }

        if (s.ExternalOrganizer)
        {
            yield return c with { Scenario = s with { ExternalOrganizer = false } };
        }

        // The world's extensions, each dropped with the steps only it allows (the meeting created beyond the window
        // first: the window's edge and the CRM's time edits come with it).
        if (s.CreatedBeyondWindow)
        {
            yield return c with { Scenario = s with { CreatedBeyondWindow = false } };
        }
        else
        {
            if (s.WindowEdge)
            {
                yield return Without(c, s with { WindowEdge = false }, StepKind.OrganizerCrossesWindow);
            }

            if (s.CrmFieldEdits)
            {
                yield return Without(c, s with { CrmFieldEdits = false }, StepKind.CrmReschedules, StepKind.CrmChangesOwner);
            }
        }

        if (s.CrmStatusEdits)
        {
            yield return Without(c, s with { CrmStatusEdits = false }, StepKind.CrmCompletes, StepKind.CrmReopens, StepKind.CrmRemovesParty, StepKind.CrmAddsParty);
        }

        if (s.SecondMeeting)
        {
            yield return Without(c, s with { SecondMeeting = false }, StepKind.SecondMeetingReschedules, StepKind.SecondMeetingCancels);
        }
    }

    private static SimulationCase Without(SimulationCase c, Scenario scenario, params StepKind[] kinds) =>
        new(scenario, [.. c.Steps.Where(step => !kinds.Contains(step.Kind))]);

    /// <summary>The seed of run <paramref name="run"/> of a random simulation with master seed <paramref name="seed"/>; run 0 uses the seed itself, so <c>--runs 1 --seed S</c> replays any run.</summary>
    public static ulong RunSeed(ulong seed, int run)
    {
        if (run == 0)
        {
            return seed;
        }

        var z = unchecked(seed + (0x9E3779B97F4A7C15UL * (ulong)run));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>The case random mode draws from <paramref name="runSeed"/> (deterministic).</summary>
    public static SimulationCase Draw(ulong runSeed, int maxEmployees, int maxSteps, bool crashes = false) =>
        Gen.Sample(Case(maxEmployees, maxSteps, crashes), 30, new Rnd(runSeed), 1)[0];
}
