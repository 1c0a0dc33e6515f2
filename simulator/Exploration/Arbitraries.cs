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
    /// 0..2 externals, any API version, auto-share, providers, origin and type; one in ten is in the past.
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
               from past in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
               from customer in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
               select new Scenario([.. providers], externals, api, autoShare, origin, type, past, customer);
    }

    /// <summary>One step of <paramref name="scenario"/>: syncs three times as likely as user actions.</summary>
    public static Gen<ScheduleStep> Step(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var sync = Gen.Choose(0, scenario.Employees - 1).Select(e => new ScheduleStep(StepKind.Sync, e));
        var actions = scenario.Actions(anyAttendeeRemoved: true);
        return Gen.Frequency((3, sync), (1, Gen.Elements<ScheduleStep>(actions.ToArray())));
    }

    /// <summary>A schedule of 0..<paramref name="maxSteps"/> steps after creation.</summary>
    public static Gen<ImmutableArray<ScheduleStep>> Schedule(Scenario scenario, int maxSteps) =>
        from length in Gen.Choose(0, maxSteps)
        from steps in Gen.ArrayOf(Step(scenario), length)
        select steps.ToImmutableArray();

    /// <summary>A case: a scenario and a schedule for it.</summary>
    public static Gen<SimulationCase> Case(int maxEmployees, int maxSteps) =>
        from scenario in Scenario(maxEmployees)
        from steps in Schedule(scenario, maxSteps)
        select new SimulationCase(scenario, steps);

    /// <summary>Cases with <see cref="Shrink"/> as shrinker, for <c>[Property]</c> tests.</summary>
    public static Arbitrary<SimulationCase> Cases(int maxEmployees, int maxSteps) => Arb.From(Case(maxEmployees, maxSteps), Shrink);

    /// <summary>
    /// Smaller variants of a case, simplest first: drop an attendee employee (and their steps), drop the externals,
    /// drop one step, make it present-day and an appointment. Every variant is strictly smaller, so shrinking ends.
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
                var involves = step.Kind is StepKind.Sync or StepKind.AttendeeDeclines or StepKind.AttendeeDeletesCopy
                    or StepKind.OrganizerRemovesAttendee or StepKind.OrganizerAddsAttendee;
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
    }

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
    public static SimulationCase Draw(ulong runSeed, int maxEmployees, int maxSteps) =>
        Gen.Sample(Case(maxEmployees, maxSteps), 30, new Rnd(runSeed), 1)[0];
}
