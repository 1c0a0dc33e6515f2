using RulesSync.Engine.Changes;
using RulesSync.Simulator.Exploration;
using RulesSync.Simulator.Scenarios;

namespace RulesSync.Simulator.Tests.World;

/// <summary>
/// The breakers the acceptance audit of issue 10 found missing (docs/simulator.md, "Acceptance audit"): a world
/// extension whose own tests showed the default passing but no rule set built to break on it being caught.
/// </summary>
public class ExtensionBreakerTests
{
    private static readonly DateTimeOffset Now = CaseRunner.DefaultNow;

    private static ScheduleStep Sync(int e) => new(StepKind.Sync, e);

    [Theory]
    [InlineData(ApiVersion.V1, MeetingOrigin.Crm)]
    [InlineData(ApiVersion.V2, MeetingOrigin.Mailbox)]
    public void Replay_CrmReschedules_RuleSetThatLeavesCrmChangesOutOfTheCalendarDiverges(ApiVersion api, MeetingOrigin origin)
    {
        // "The CRM is the reporting side, the calendar the master": a consultant ignores CRM changes of a meeting the
        // calendar already has. A CRM user's new time then never reaches it. No rule sees a time edit apart from a
        // subject edit (the facts are the same), so the breaker of the one is the breaker of the other.
        var trimmed = RuleSets.DefaultWithFirst("""
              - name: crm-is-the-reporting-side
                because: a consultant's shortcut
                when: { source: crm, kind: updated, role: organizer }
                decide: ignore
            """);
        var c = new SimulationCase(new Scenario([Provider.Exchange, Provider.Google], 1, api, true, origin) { CrmFieldEdits = true },
            [Sync(0), new(StepKind.CrmReschedules, 0), Sync(0)]);

        var violation = Assert.Single(Simulation.Replay(c, trimmed, Now, out var trace), v => v.Invariant == "convergence");
        Assert.Contains("disagree", violation.Message, StringComparison.Ordinal);
        Assert.Contains(trace.SelectMany(t => t.Events), e => e.Text.Contains("two hours later", StringComparison.Ordinal));
        Assert.Empty(Simulation.Replay(c, RuleSets.Default, Now, out _));
    }
}
