using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tenant;

/// <summary>
/// The dashboard's <see cref="IOperatorConsole"/> over the live runner's state file: the same reads as
/// <c>rulesync status</c>/<c>journal</c>/<c>held</c>, and the writes through <see cref="TenantOperations"/> as the
/// CLI's <c>suspend</c>/<c>resume</c>/<c>approve</c>/<c>discard</c> (the running runner picks them up at its next
/// cycle). Thread-safe as the store is.
/// </summary>
internal sealed class StoreOperatorConsole(IStateStore store, TimeProvider time) : IOperatorConsole
{
    private readonly TenantOperations operations = new(store, time);

    private static readonly TimeSpan Bucket = TimeSpan.FromHours(1);
    private static readonly TimeSpan History = TimeSpan.FromHours(24);

    private StateQueries Queries => new(store);

    public ValueTask<TenantOverview> OverviewAsync(CancellationToken ct)
    {
        var r = Queries.RuleSet();
        var overview = new TenantOverview(
            new RuleSetView(r.Hash ?? string.Empty, r.Source ?? string.Empty, r.LoadedAt ?? DateTimeOffset.UnixEpoch),
            r.LastReloadError is null ? null : new ReloadErrorView(r.LastReloadErrorAt ?? DateTimeOffset.UnixEpoch, r.LastReloadError),
            r.KillSwitch ? new SuspensionView(r.KillSwitchBy ?? "operator", r.KillSwitchReason ?? string.Empty, DateTimeOffset.UnixEpoch, Automatic: false) : null,
            r.ShadowHash,
            r.CrmOutage is { } crm ? new CrmOutageView(crm.Since, crm.FailedPolls, crm.Error) : null,
            r.CrmQuarantine ?? []);
        return ValueTask.FromResult(overview);
    }

    public ValueTask<IReadOnlyList<MailboxView>> MailboxesAsync(CancellationToken ct)
    {
        var tenant = Queries.RuleSet();
        var crm = tenant.CrmOutage;
        var killSwitch = tenant.KillSwitch ? new SuspensionView(tenant.KillSwitchBy ?? "operator", "kill switch: " + (tenant.KillSwitchReason ?? string.Empty), DateTimeOffset.UnixEpoch, Automatic: false) : null;
        IReadOnlyList<MailboxView> list = [.. Queries.Mailboxes().Select(m => new MailboxView(
            m.Mailbox,
            m.Provider.Equals("google", StringComparison.OrdinalIgnoreCase) ? MailboxProvider.Google : MailboxProvider.Exchange,
            killSwitch is not null || m.Status == MailboxStatus.Suspended ? MailboxState.Suspended
                : m.Status == MailboxStatus.Failing || crm is not null ? MailboxState.Failing : MailboxState.Syncing,
            killSwitch ?? (m.Status == MailboxStatus.Suspended
                ? new SuspensionView(m.SuspendedBy ?? "operator", m.SuspendedReason ?? string.Empty, m.SuspendedAt ?? DateTimeOffset.UnixEpoch, Automatic: m.SuspendedBy == "circuit breaker")
                : null),
            m.LastSync,
            crm is not null && killSwitch is null && m.Status != MailboxStatus.Suspended
                ? $"not synced since {crm.Since:yyyy-MM-dd HH:mm} UTC: the CRM is unreachable ({crm.Error})"
                : m.LastError,
            m.PendingEffects,
            m.HeldEffects,
            [.. Queries.Latency(m.Mailbox).Select(p => new SyncLatencySample(p.At, TimeSpan.FromMilliseconds(p.Milliseconds)))]))];
        return ValueTask.FromResult(list);
    }

    public ValueTask<IReadOnlyList<HeldEffectView>> HeldEffectsAsync(CancellationToken ct)
    {
        IReadOnlyList<HeldEffectView> list = [.. Queries.HeldEffects().Select(e => new HeldEffectView(
            e.Key,
            e.Mailbox,
            e.MeetingKey,
            e.Meeting?.Subject ?? e.MeetingKey,
            e.Rule,
            e.Kind.StartsWith("Cancel", StringComparison.Ordinal) ? DecisionAction.Cancel : e.Kind.StartsWith("Delete", StringComparison.Ordinal) ? DecisionAction.Delete : DecisionAction.Share,
            e.Description,
            e.UpdatedAt,
            e.Detail ?? "held by the mass-change guard",
            e.Meeting?.Start,
            e.Meeting?.Organizer).WithSeries())];
        return ValueTask.FromResult(list);
    }

    public ValueTask<IReadOnlyList<JournalEntryView>> MeetingHistoryAsync(string meetingUid, CancellationToken ct)
    {
        IReadOnlyList<JournalEntryView> list = [.. Queries.MeetingHistory(meetingUid).Select(d => new JournalEntryView(
            d.At,
            d.Mailbox,
            d.Change,
            ParseFacts(d.Facts),
            d.Rule,
            d.RuleSetHash,
            ParseAction(d.Decision),
            [.. d.Effects.Select(e => new JournalEffectView(e.Description, e.Status))]))];
        return ValueTask.FromResult(list);
    }

    public ValueTask<IReadOnlyList<ShadowDifferenceView>> ShadowDifferencesAsync(int max, CancellationToken ct)
    {
        var states = new Dictionary<string, MailboxSyncState>(StringComparer.Ordinal);
        IReadOnlyList<ShadowDifferenceView> list = [.. Queries.ShadowDiffs(max).Select(s => new ShadowDifferenceView(
            s.At, s.Mailbox, s.MeetingKey, Subject(states, s.Mailbox, s.MeetingKey), ParseAction(s.Live), Rule(s.Live), ParseAction(s.Candidate), Rule(s.Candidate)))];
        return ValueTask.FromResult(list);
    }

    public ValueTask<IReadOnlyList<DecisionCountBucket>> DecisionsOverTimeAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var to = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).Add(Bucket);
        IReadOnlyList<DecisionCountBucket> list = [.. Queries.DecisionsPerAction(to - History, to, Bucket).Select(b => new DecisionCountBucket(
            b.From,
            b.From + Bucket,
            Count(b, DecisionAction.Ignore),
            Count(b, DecisionAction.Share),
            Count(b, DecisionAction.Delete),
            Count(b, DecisionAction.Cancel),
            Count(b, DecisionAction.Unlink),
            b.ByAction.GetValueOrDefault(StateQueries.HeldAction)))];
        return ValueTask.FromResult(list);
    }

    public ValueTask SuspendAsync(string? mailboxId, string operatorName, string reason, CancellationToken ct)
    {
        Switch(mailboxId, suspend: true, operatorName, reason);
        return ValueTask.CompletedTask;
    }

    public ValueTask ResumeAsync(string? mailboxId, string operatorName, CancellationToken ct)
    {
        Switch(mailboxId, suspend: false, operatorName, string.Empty);
        return ValueTask.CompletedTask;
    }

    public ValueTask ApproveAsync(string heldEffectId, string operatorName, CancellationToken ct)
    {
        Review(heldEffectId, approve: true, operatorName);
        return ValueTask.CompletedTask;
    }

    public ValueTask DiscardAsync(string heldEffectId, string operatorName, CancellationToken ct)
    {
        Review(heldEffectId, approve: false, operatorName);
        return ValueTask.CompletedTask;
    }

    private void Switch(string? mailboxId, bool suspend, string by, string reason)
    {
        if (suspend)
        {
            operations.Suspend(mailboxId, by, reason);
        }
        else
        {
            operations.Resume(mailboxId, by);
        }
    }

    private void Review(string key, bool approve, string by)
    {
        try
        {
            operations.Review([key], approve, by);
        }
        catch (EffectNotHeldException e)
        {
            throw new OperatorConsoleConflictException(e.Message);
        }
    }

    private string Subject(Dictionary<string, MailboxSyncState> states, string mailbox, string meetingKey) =>
        Queries.Meeting(states, mailbox, meetingKey).Subject;

    // The journal stores actions lower case ("cancel"); the enum's names are capitalised.
    private static int Count(DecisionBucket bucket, DecisionAction action) =>
        bucket.ByAction.GetValueOrDefault(action.ToString().ToLowerInvariant());

    private static Dictionary<string, string> ParseFacts(string facts) =>
        facts.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);

    private static DecisionAction ParseAction(string decision)
    {
        var word = decision.Split(' ', 2)[0].Trim();
        return Enum.TryParse<DecisionAction>(word, ignoreCase: true, out var a) ? a : DecisionAction.Ignore;
    }

    private static string Rule(string decision)
    {
        var i = decision.IndexOf("rule ", StringComparison.Ordinal);
        return i < 0 ? decision : decision[(i + 5)..].Split([' ', ',', ')'], 2)[0];
    }
}
