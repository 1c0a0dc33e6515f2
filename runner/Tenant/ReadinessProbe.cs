using System.Globalization;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tenant;

/// <summary>Whether the runner is ready, and every reason it is not (empty when ready).</summary>
internal sealed record Readiness(bool Ready, IReadOnlyList<string> Problems);

/// <summary>
/// The runner's readiness (<c>/readyz</c>): ready when the state file is open and readable, a rule set is loaded (the
/// one in force is recorded in the state), and the last cycle started within <paramref name="readyWithin"/>. A rule
/// file that failed to reload does not make the runner unready: the previous rule set stays in force. Thread-safe.
/// </summary>
internal sealed class ReadinessProbe(StateStore store, TimeProvider time, TimeSpan readyWithin)
{
    /// <summary>Reads the state and judges it; never throws (an unreadable state file is a reason, not an error).</summary>
    public Readiness Check()
    {
        TenantRow tenant;
        try
        {
            tenant = store.Tenant();
        }
#pragma warning disable CA1031 // A probe answers "not ready" for any failure to read the state; it must not fail itself.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new Readiness(false, [$"state file: not open or unreadable ({e.GetType().Name})"]);
        }

        return Judge(tenant.RuleSetHash, tenant.LastCycleAt, time.GetUtcNow(), readyWithin);
    }

    /// <summary>The verdict on what the state says: the rule set in force and when the last cycle started (Unix ms).</summary>
    internal static Readiness Judge(string? ruleSetHash, long? lastCycleAt, DateTimeOffset now, TimeSpan readyWithin)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(ruleSetHash))
        {
            problems.Add("rules: no rule set loaded yet");
        }

        if (lastCycleAt is not { } last)
        {
            problems.Add("cycles: no cycle has run yet");
        }
        else
        {
            var age = now - DateTimeOffset.FromUnixTimeMilliseconds(last);
            if (age > readyWithin)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"cycles: the last cycle started {age:c} ago, longer than {readyWithin:c}"));
            }
        }

        return new Readiness(problems.Count == 0, problems);
    }
}
