using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace RulesSync.Runner.Diagnostics;

/// <summary>
/// The span and log scope of one decision about a meeting, begun when the decision is admitted and ended when it is
/// completed, superseded or failed. Begin it from a synchronous call on the sync's own flow (the hooks' admission):
/// the span and the scope then stay current in that flow while the decision's effects run, so their spans, requests
/// and log lines nest under the decision. Not thread-safe (one per decision in flight).
/// </summary>
internal sealed class DecisionTelemetry
{
    private readonly Activity? activity;
    private readonly IDisposable? scope;
    private bool ended;

    private DecisionTelemetry(Activity? activity, IDisposable? scope)
    {
        this.activity = activity;
        this.scope = scope;
    }

    /// <summary>Starts the decision's span (under the mailbox's sync) and its meeting scope.</summary>
    public static DecisionTelemetry Begin(ILogger? logger, string mailbox, string meetingKey, string changeId, string action, string rule) =>
        new(RunnerTelemetry.StartDecision(mailbox, meetingKey, changeId, action, rule), LogScopes.Meeting(logger, meetingKey));

    /// <summary>Ends the span with the decision's outcome (<c>completed</c>, <c>superseded</c>, <c>failed</c>, <c>dry-run</c>); once.</summary>
    public void End(string outcome)
    {
        if (ended)
        {
            return;
        }

        ended = true;
        activity?.SetTag("rulesync.outcome", outcome);
        if (outcome == "failed")
        {
            RunnerTelemetry.Failed(activity, outcome);
        }

        activity?.Stop();
        scope?.Dispose();
    }
}
