using System.Threading.Channels;

namespace RulesSync.Emulators.Faults;

/// <summary>
/// The faults in force. Thread-safe: tests add rules while clients run. Rules are tried in the
/// order added; the first one that fires wins.
/// </summary>
public sealed class FaultPlan
{
    private readonly Lock gate = new();
    private readonly List<(FaultRule Rule, int Seen)> rules = [];
    private readonly Channel<string> delayed = Channel.CreateUnbounded<string>();

    /// <summary>Adds a rule; returns this plan for chaining.</summary>
    public FaultPlan Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (gate)
        {
            rules.Add((rule, 0));
        }

        return this;
    }

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (gate)
        {
            rules.Clear();
        }
    }

    /// <summary>
    /// Completes with the route name when a request starts waiting on a Timeout or SlowResponse
    /// fault, so a test can advance its fake clock exactly then instead of sleeping.
    /// </summary>
    public async Task<string> NextDelayedRequestAsync(CancellationToken cancellationToken = default) =>
        await delayed.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);

    internal void ReportDelayed(string route) => delayed.Writer.TryWrite(route);

    internal FaultRule? Next(string route, string? mailbox)
    {
        lock (gate)
        {
            FaultRule? fired = null;
            for (var i = 0; i < rules.Count; i++)
            {
                var (rule, seen) = rules[i];
                if (!rule.Matches(route, mailbox))
                {
                    continue;
                }

                seen++;
                rules[i] = (rule, seen);
                var firing = seen >= rule.FromNth && (rule.Times is null || seen < rule.FromNth + rule.Times.Value);
                if (firing && fired is null)
                {
                    fired = rule;
                }
            }

            return fired;
        }
    }
}
