using System.Collections.Immutable;
using RulesSync.Engine.Decisions;
using RulesSync.Simulator.Invariants;
using RulesSync.Simulator.Reports;
using RulesSync.Simulator.Scenarios;
using RulesSync.Simulator.World;

namespace RulesSync.Simulator.Exploration;

/// <summary>A scenario and a schedule of steps after the meeting's creation. Immutable.</summary>
/// <param name="Scenario">The tenant and meeting.</param>
/// <param name="Steps">What happens after creation, in order (syncs and user actions).</param>
public sealed record SimulationCase(Scenario Scenario, ImmutableArray<ScheduleStep> Steps)
{
    /// <summary>Equality comparing steps element by element.</summary>
    public bool Equals(SimulationCase? other) => other is not null && Scenario.Equals(other.Scenario) && Steps.SequenceEqual(other.Steps);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Scenario, Steps.Length);

    /// <inheritdoc />
    public override string ToString() => $"{Scenario} | {string.Join(", ", Steps)}";
}

/// <summary>What replaying a case found. Immutable.</summary>
/// <param name="Violated">Violated invariants, as bits of <see cref="InvariantId"/>.</param>
/// <param name="Reasons">The first reason per violated invariant, in the order found.</param>
/// <param name="Trace">The numbered trace (empty unless traced).</param>
/// <param name="Schedule">Every step executed, creation and quiescence included (replayable).</param>
/// <param name="Cancellations">Cancellation messages sent.</param>
internal sealed record CaseResult(int Violated, ImmutableArray<(InvariantId Id, string Reason)> Reasons, ImmutableArray<TraceStep> Trace, ImmutableArray<ScheduleStep> Schedule, int Cancellations)
{
    public bool Has(InvariantId id) => (Violated & InvariantCatalog.Bit(id)) != 0;
}

/// <summary>Replays one case step by step, checking the invariants after every step and at quiescence.</summary>
internal static class CaseRunner
{
    public static readonly DateTimeOffset DefaultNow = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Replays <paramref name="c"/>: creation, its steps, then (unless stopped by a violation when <paramref name="stopAtFirst"/>)
    /// quiescence. With <paramref name="admit"/>, every sync runs the admit and journal stages with <paramref name="limits"/>
    /// (default: the documented guard limits).
    /// </summary>
    public static CaseResult Run(SimulationCase c, IDecisionPolicy policy, DateTimeOffset now, bool trace, bool quiescence = true, bool stopAtFirst = false, HashSet<string>? fired = null, bool admit = false, Engine.Sync.GuardLimits? limits = null)
    {
        var w = SimWorld.Create(c.Scenario, policy, now, admit, limits);
        w.Fired = fired;
        var reasons = new List<(InvariantId, string)>();
        var steps = ImmutableArray.CreateBuilder<TraceStep>();
        var schedule = ImmutableArray.CreateBuilder<ScheduleStep>();
        var number = 0;
        bool Do(ScheduleStep step, bool q)
        {
            if (trace)
            {
                w.Log = [];
            }

            if (!w.Apply(step))
            {
                return true;
            }

            schedule.Add(step);
            number++;
            var found = new List<(InvariantId Id, string Reason)>();
            var mask = InvariantCatalog.CheckStep(w, found) & ~w.Violated;
            Record(w, mask, found, reasons, trace);
            if (trace)
            {
                steps.Add(new TraceStep(number, step.ToString(), q, [.. w.Log!]));
            }

            return !(stopAtFirst && mask != 0);
        }

        if (!Do(new ScheduleStep(StepKind.Create, 0), false))
        {
            return Result(w, reasons, steps, schedule);
        }

        foreach (var s in c.Steps)
        {
            if (!Do(s, false))
            {
                return Result(w, reasons, steps, schedule);
            }
        }

        if (quiescence)
        {
            for (var round = 0; round < 2; round++)
            {
                for (var e = 0; e < c.Scenario.Employees; e++)
                {
                    if (!Do(new ScheduleStep(StepKind.Sync, e), true))
                    {
                        return Result(w, reasons, steps, schedule);
                    }
                }
            }

            var found = new List<(InvariantId Id, string Reason)>();
            var mask = InvariantCatalog.CheckConvergence(w, found) & ~w.Violated;
            Record(w, mask, found, reasons, trace);
            Refresh(w, steps);
            if (stopAtFirst && mask != 0)
            {
                return Result(w, reasons, steps, schedule);
            }

            for (var e = 0; e < c.Scenario.Employees; e++)
            {
                Do(new ScheduleStep(StepKind.Sync, e), true);
                if (w.LastSyncWrites > 0 && (w.Violated & InvariantCatalog.Bit(InvariantId.Idempotence)) == 0)
                {
                    var name = Scenario.EmployeeName(e);
                    var idem = new List<(InvariantId, string)> { (InvariantId.Idempotence, $"{name}'s sync wrote {w.LastSyncWrites} time(s) after two quiet rounds") };
                    Record(w, InvariantCatalog.Bit(InvariantId.Idempotence), idem, reasons, trace);
                    Refresh(w, steps);
                    if (stopAtFirst)
                    {
                        break;
                    }
                }
            }
        }

        return Result(w, reasons, steps, schedule);
    }

    private static void Record(SimWorld w, int mask, List<(InvariantId Id, string Reason)> found, List<(InvariantId, string)> reasons, bool trace)
    {
        if (mask == 0)
        {
            return;
        }

        w.Violated |= mask;
        foreach (var f in found)
        {
            if ((mask & InvariantCatalog.Bit(f.Id)) != 0)
            {
                reasons.Add(f);
                if (trace)
                {
                    w.Log?.Add(new TraceEvent("violation", "crm", "crm", $"VIOLATION {InvariantCatalog.Name(f.Id)}: {f.Reason}"));
                }
            }
        }
    }

    private static void Refresh(SimWorld w, ImmutableArray<TraceStep>.Builder steps)
    {
        if (w.Log is not null && steps.Count > 0)
        {
            steps[^1] = steps[^1] with { Events = [.. w.Log] };
        }
    }

    private static CaseResult Result(SimWorld w, List<(InvariantId, string)> reasons, ImmutableArray<TraceStep>.Builder steps, ImmutableArray<ScheduleStep>.Builder schedule)
    {
        var cancellations = 0;
        foreach (var m in w.Messages)
        {
            cancellations += m.Kind == MessageKind.Cancellation ? 1 : 0;
        }

        return new CaseResult(w.Violated, [.. reasons], steps.ToImmutable(), schedule.ToImmutable(), cancellations);
    }
}
