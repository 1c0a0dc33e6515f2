using RulesSync.Engine.Decisions;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Tests.Dashboard;

/// <summary>
/// A test <see cref="IOperatorConsole"/>: a small tenant held in memory, with the runner's behaviour the
/// dashboard tests need (a resumed mailbox's sync completes <see cref="SyncDuration"/> later on the injected
/// clock; approving or discarding removes a held effect; the kill switch suspends everyone). Thread-safe.
/// Test data only: the product has no fake console.
/// </summary>
internal sealed class InMemoryOperatorConsole(TimeProvider time) : IOperatorConsole
{
    public static readonly TimeSpan SyncDuration = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private readonly List<MailboxView> mailboxes = [];
    private readonly List<HeldEffectView> held = [];
    private readonly Dictionary<string, string> resolvedHeld = [];
    private readonly Dictionary<string, List<JournalEntryView>> journal = [];
    private readonly List<ShadowDifferenceView> shadow = [];
    private readonly List<DecisionCountBucket> buckets = [];
    private readonly List<ITimer> timers = [];
    private readonly List<string> actions = [];
    private TenantOverview overview = new(new RuleSetView(new string('0', 64), "embedded:default", time.GetUtcNow()), null, null, null);

    /// <summary>Every action the dashboard passed on, as "verb id by operator (reason)".</summary>
    public IReadOnlyList<string> Actions
    {
        get
        {
            lock (gate)
            {
                return [.. actions];
            }
        }
    }

    public void SetOverview(TenantOverview value)
    {
        lock (gate)
        {
            overview = value;
        }
    }

    public void Add(MailboxView mailbox)
    {
        lock (gate)
        {
            mailboxes.Add(mailbox);
        }
    }

    public void Add(HeldEffectView effect)
    {
        lock (gate)
        {
            held.Add(effect);
        }
    }

    public void Add(string meetingUid, JournalEntryView entry)
    {
        lock (gate)
        {
            if (!journal.TryGetValue(meetingUid, out var entries))
            {
                journal[meetingUid] = entries = [];
            }

            entries.Add(entry);
        }
    }

    public void Add(ShadowDifferenceView difference)
    {
        lock (gate)
        {
            shadow.Add(difference);
        }
    }

    public void Add(DecisionCountBucket bucket)
    {
        lock (gate)
        {
            buckets.Add(bucket);
        }
    }

    public ValueTask<TenantOverview> OverviewAsync(CancellationToken ct)
    {
        lock (gate)
        {
            return ValueTask.FromResult(overview);
        }
    }

    public ValueTask<IReadOnlyList<MailboxView>> MailboxesAsync(CancellationToken ct)
    {
        lock (gate)
        {
            // Under the kill switch every mailbox is effectively suspended, by the kill switch.
            var kill = overview.KillSwitch;
            IReadOnlyList<MailboxView> view = kill is null
                ? [.. mailboxes]
                : [.. mailboxes.Select(m => m.State == MailboxState.Suspended ? m : m with { State = MailboxState.Suspended, Suspension = kill })];
            return ValueTask.FromResult(view);
        }
    }

    public ValueTask<IReadOnlyList<HeldEffectView>> HeldEffectsAsync(CancellationToken ct)
    {
        lock (gate)
        {
            return ValueTask.FromResult<IReadOnlyList<HeldEffectView>>([.. held]);
        }
    }

    public ValueTask<IReadOnlyList<JournalEntryView>> MeetingHistoryAsync(string meetingUid, CancellationToken ct)
    {
        lock (gate)
        {
            return ValueTask.FromResult<IReadOnlyList<JournalEntryView>>(journal.TryGetValue(meetingUid, out var entries) ? [.. entries] : []);
        }
    }

    public ValueTask<IReadOnlyList<ShadowDifferenceView>> ShadowDifferencesAsync(int max, CancellationToken ct)
    {
        lock (gate)
        {
            return ValueTask.FromResult<IReadOnlyList<ShadowDifferenceView>>([.. shadow.OrderByDescending(d => d.At).Take(max)]);
        }
    }

    public ValueTask<IReadOnlyList<DecisionCountBucket>> DecisionsOverTimeAsync(CancellationToken ct)
    {
        lock (gate)
        {
            return ValueTask.FromResult<IReadOnlyList<DecisionCountBucket>>([.. buckets]);
        }
    }

    public ValueTask SuspendAsync(string? mailboxId, string operatorName, string reason, CancellationToken ct)
    {
        lock (gate)
        {
            actions.Add($"suspend {mailboxId ?? "all"} by {operatorName} ({reason})");
            var suspension = new SuspensionView(operatorName, reason, time.GetUtcNow(), Automatic: false);
            if (mailboxId is null)
            {
                overview = overview with { KillSwitch = overview.KillSwitch ?? suspension };
                return ValueTask.CompletedTask;
            }

            var i = IndexOf(mailboxId);
            if (mailboxes[i].State != MailboxState.Suspended)
            {
                mailboxes[i] = mailboxes[i] with { State = MailboxState.Suspended, Suspension = suspension };
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ResumeAsync(string? mailboxId, string operatorName, CancellationToken ct)
    {
        lock (gate)
        {
            actions.Add($"resume {mailboxId ?? "all"} by {operatorName}");
            if (mailboxId is null)
            {
                overview = overview with { KillSwitch = null };
                return ValueTask.CompletedTask;
            }

            var i = IndexOf(mailboxId);
            if (mailboxes[i].State == MailboxState.Suspended)
            {
                // Like the runner: the mailbox is scheduled again at once and its next sync settles what was pending.
                mailboxes[i] = mailboxes[i] with { State = MailboxState.Syncing, Suspension = null };
                var started = time.GetUtcNow();
                timers.Add(time.CreateTimer(_ => CompleteSync(mailboxId, started), null, SyncDuration, Timeout.InfiniteTimeSpan));
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ApproveAsync(string heldEffectId, string operatorName, CancellationToken ct) => Resolve(heldEffectId, operatorName, "approve", "approved");

    public ValueTask DiscardAsync(string heldEffectId, string operatorName, CancellationToken ct) => Resolve(heldEffectId, operatorName, "discard", "discarded");

    private ValueTask Resolve(string heldEffectId, string operatorName, string verb, string done)
    {
        lock (gate)
        {
            if (resolvedHeld.TryGetValue(heldEffectId, out var earlier))
            {
                throw new OperatorConsoleConflictException($"Held effect {heldEffectId} was already {earlier}.");
            }

            var i = held.FindIndex(h => h.Id == heldEffectId);
            if (i < 0)
            {
                throw new OperatorConsoleNotFoundException(OperatorConsoleSubject.HeldEffect, heldEffectId);
            }

            var effect = held[i];
            held.RemoveAt(i);
            resolvedHeld[heldEffectId] = $"{done} by {operatorName}";
            actions.Add($"{verb} {heldEffectId} by {operatorName}");
            var m = IndexOf(effect.MailboxId);
            mailboxes[m] = mailboxes[m] with { HeldEffects = mailboxes[m].HeldEffects - 1 };
        }

        return ValueTask.CompletedTask;
    }

    private void CompleteSync(string mailboxId, DateTimeOffset started)
    {
        lock (gate)
        {
            var i = IndexOf(mailboxId);
            var m = mailboxes[i];
            if (m.State == MailboxState.Suspended)
            {
                return;
            }

            var now = time.GetUtcNow();
            mailboxes[i] = m with
            {
                LastSyncAt = now,
                LastError = null,
                PendingEffects = 0,
                RecentSyncLatencies = [.. m.RecentSyncLatencies.TakeLast(9), new SyncLatencySample(now, now - started)],
            };
        }
    }

    private int IndexOf(string mailboxId)
    {
        var i = mailboxes.FindIndex(m => m.Id == mailboxId);
        return i >= 0 ? i : throw new OperatorConsoleNotFoundException(OperatorConsoleSubject.Mailbox, mailboxId);
    }
}
