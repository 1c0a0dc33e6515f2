using System.Collections.Immutable;

namespace RulesSync.Simulator.Reports;

/// <summary>
/// One thing that happened inside a trace step, between two lifelines (<c>mailbox:B</c>, <c>agent:B</c>, <c>crm</c>,
/// an external address): a user action, a decision, a store write, a held effect, a message. Shaped for the
/// sequence diagram: an arrow from <see cref="From"/> to <see cref="To"/> labelled <see cref="Text"/>. Immutable.
/// </summary>
/// <param name="Kind">action, decision, write, held, message or violation.</param>
/// <param name="From">The lifeline the arrow starts at.</param>
/// <param name="To">The lifeline the arrow ends at.</param>
/// <param name="Text">What happened, in domain words.</param>
/// <param name="Rule">The deciding rule, for decisions.</param>
public sealed record TraceEvent(string Kind, string From, string To, string Text, string? Rule = null);

/// <summary>One numbered step of a counterexample trace. Immutable.</summary>
/// <param name="Number">1-based position in the schedule.</param>
/// <param name="Step">The schedule step (<c>sync B</c>, <c>A cancels</c>, ...), replayable with <see cref="Scenarios.ScheduleStep.Parse"/>.</param>
/// <param name="Quiescence">Whether the step belongs to the closing rounds of syncs (no user actions) rather than the explored schedule.</param>
/// <param name="Events">What happened, in order.</param>
public sealed record TraceStep(int Number, string Step, bool Quiescence, ImmutableArray<TraceEvent> Events)
{
    /// <summary>The step as numbered lines of text.</summary>
    public string Render()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(Number.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(". ").Append(Step);
        if (Quiescence)
        {
            sb.Append(" (quiescence)");
        }

        foreach (var e in Events)
        {
            sb.Append("\n     ").Append(e.Text);
        }

        return sb.ToString();
    }
}
