using RulesSync.Engine.Decisions;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tenant;

// The read model IOperatorConsole returns. All immutable snapshots; the JSON API serializes them as
// they are (camelCase, enums as camelCase strings, TimeSpan as milliseconds), so renaming a member
// here changes the API (docs/dashboard.md).

/// <summary>The tenant as a whole: rule sets, reload error, kill switch.</summary>
/// <param name="ActiveRuleSet">The rule set deciding live changes.</param>
/// <param name="LastReloadError">The last hot reload that failed lint and was refused (the previous rule set stayed active); null if none since the active one loaded.</param>
/// <param name="KillSwitch">Who suspended every mailbox, and why; null while the kill switch is off.</param>
/// <param name="ShadowRuleSetHash">The candidate rule set running in shadow mode; null if none.</param>
/// <param name="CrmOutage">Set while the CRM cannot be polled (no mailbox syncs); null when its last poll worked.</param>
/// <param name="CrmQuarantine">CRM records the mapping refused at the last poll ("Set('id'): field: problem"); skipped, nothing decided on them.</param>
public sealed record TenantOverview(
    RuleSetView ActiveRuleSet,
    ReloadErrorView? LastReloadError,
    SuspensionView? KillSwitch,
    string? ShadowRuleSetHash,
    CrmOutageView? CrmOutage = null,
    IReadOnlyList<string>? CrmQuarantine = null);

/// <summary>The CRM is unreachable: since when, how many cycles were skipped, and its last error in plain words.</summary>
public sealed record CrmOutageView(DateTimeOffset Since, int FailedPolls, string Error);

/// <summary>A loaded rule set.</summary>
/// <param name="Hash">SHA-256 content hash, lowercase hex (as in the journal's decisions).</param>
/// <param name="Source">Where it came from (file path or <c>embedded:NAME</c>).</param>
/// <param name="LoadedAt">When the runner made it active.</param>
public sealed record RuleSetView(string Hash, string Source, DateTimeOffset LoadedAt);

/// <summary>A rejected rule reload: when, and the lint error in plain words.</summary>
public sealed record ReloadErrorView(DateTimeOffset At, string Message);

/// <summary>Why something is suspended.</summary>
/// <param name="By">The operator's name, or the component that suspended it (e.g. "circuit breaker").</param>
/// <param name="Reason">Why, in the words of whoever suspended it (or the error that tripped the circuit breaker).</param>
/// <param name="At">When it was suspended.</param>
/// <param name="Automatic">True when the runner suspended it by itself (circuit breaker after repeated failures).</param>
public sealed record SuspensionView(string By, string Reason, DateTimeOffset At, bool Automatic);

public enum MailboxProvider
{
    Exchange,
    Google,
}

/// <summary>
/// A mailbox's effective state for the operator: its stored lifecycle (<see cref="RulesSync.Runner.State.MailboxStatus"/>) seen through
/// the tenant-wide conditions, so a mailbox under the kill switch is suspended and one waiting for an unreachable CRM
/// is failing.
/// </summary>
public enum MailboxState
{
    /// <summary>Syncing on its interval (possibly with transient errors being retried).</summary>
    Syncing,

    /// <summary>Not syncing until someone resumes it: by an operator, by the circuit breaker, or by the kill switch.</summary>
    Suspended,

    /// <summary>Still scheduled, but its recent syncs failed (backing off before the circuit breaker suspends it).</summary>
    Failing,
}

/// <summary>One mailbox's sync health, as the operator sees it (its effective <see cref="MailboxState"/>, not the stored lifecycle).</summary>
/// <param name="Id">The runner's mailbox id (the one the API's <c>/mailboxes/{id}</c> takes).</param>
/// <param name="Provider">Where the mailbox lives.</param>
/// <param name="State">Its effective state (a mailbox under the kill switch is <see cref="MailboxState.Suspended"/>, with the kill switch as its suspension).</param>
/// <param name="Suspension">Set while <see cref="State"/> is <see cref="MailboxState.Suspended"/>: by whom and why.</param>
/// <param name="LastSyncAt">When its last sync completed successfully; null if never.</param>
/// <param name="LastError">The last sync error in plain words (what an operator can act on), null if the last sync succeeded.</param>
/// <param name="PendingEffects">Journaled effects not yet carried out.</param>
/// <param name="HeldEffects">Effects the mass-change guard holds for this mailbox.</param>
/// <param name="RecentSyncLatencies">The last few sync cycles, oldest first.</param>
public sealed record MailboxView(
    string Id,
    MailboxProvider Provider,
    MailboxState State,
    SuspensionView? Suspension,
    DateTimeOffset? LastSyncAt,
    string? LastError,
    int PendingEffects,
    int HeldEffects,
    IReadOnlyList<SyncLatencySample> RecentSyncLatencies);

/// <summary>How long one sync cycle of one mailbox took, and when it completed.</summary>
public sealed record SyncLatencySample(DateTimeOffset CompletedAt, TimeSpan Duration);

/// <summary>An effect the mass-change guard held instead of carrying out.</summary>
/// <param name="Id">The held effect's id (its idempotency key is a good choice).</param>
/// <param name="MailboxId">The mailbox whose sync observed the change.</param>
/// <param name="MeetingUid">The meeting it touches (its history is one click away).</param>
/// <param name="MeetingSubject">The meeting's subject, for people.</param>
/// <param name="Rule">The rule that decided it.</param>
/// <param name="Decision">What the rule decided.</param>
/// <param name="Effect">The effect in words, e.g. "cancel the meeting in ana@contoso.example's calendar and notify 4 attendees".</param>
/// <param name="HeldAt">When the guard held it.</param>
/// <param name="WhyHeld">The guard's reason, e.g. "cycle would cancel 12 of 40 meetings (limit 10%)".</param>
/// <param name="MeetingStart">When the meeting starts, for people; null when the runner's state does not know the meeting.</param>
/// <param name="MeetingOrganizer">Who organizes it; null when unknown.</param>
/// <param name="SeriesUid">For one occurrence of a recurring series (its key is <c>UID#ORIGINALSTART</c>): the series' UID, so the page lists occurrences under their series; null for a single meeting.</param>
/// <param name="OriginalStart">The occurrence's original start, with <paramref name="SeriesUid"/>.</param>
public sealed record HeldEffectView(
    string Id,
    string MailboxId,
    string MeetingUid,
    string MeetingSubject,
    string Rule,
    DecisionAction Decision,
    string Effect,
    DateTimeOffset HeldAt,
    string WhyHeld,
    DateTimeOffset? MeetingStart = null,
    string? MeetingOrganizer = null,
    string? SeriesUid = null,
    DateTimeOffset? OriginalStart = null)
{
    /// <summary>This view with <see cref="SeriesUid"/> and <see cref="OriginalStart"/> read from <see cref="MeetingUid"/> (unchanged for a single meeting).</summary>
    public HeldEffectView WithSeries() =>
        MeetingUid.Contains('#', StringComparison.Ordinal) && Engine.Recurrence.OccurrenceId.TryParse(MeetingUid, out var occurrence, out _)
            ? this with { SeriesUid = occurrence.SeriesUid.Value, OriginalStart = occurrence.OriginalStart }
            : this;
}

/// <summary>One decision in a meeting's journal.</summary>
/// <param name="At">When the decision was taken.</param>
/// <param name="MailboxId">Whose sync observed the change (null when the CRM's change feed observed it).</param>
/// <param name="Observed">What that sync observed, in words ("attendee copy deleted", "CRM record updated").</param>
/// <param name="Facts">The change's facts as the rules saw them (fact name → value).</param>
/// <param name="Rule">The rule that decided.</param>
/// <param name="RuleSetHash">The rule set the rule came from.</param>
/// <param name="Decision">What it decided.</param>
/// <param name="Effects">What the decision asked for, each with where it stands.</param>
public sealed record JournalEntryView(
    DateTimeOffset At,
    string? MailboxId,
    string Observed,
    IReadOnlyDictionary<string, string> Facts,
    string Rule,
    string RuleSetHash,
    DecisionAction Decision,
    IReadOnlyList<JournalEffectView> Effects);

/// <summary>One effect of a journaled decision, with where it stands in the journal.</summary>
public sealed record JournalEffectView(string Effect, EffectStatus Status);

/// <summary>A change where the shadow rule set decided differently from the live one.</summary>
public sealed record ShadowDifferenceView(
    DateTimeOffset At,
    string? MailboxId,
    string MeetingUid,
    string MeetingSubject,
    DecisionAction LiveDecision,
    string LiveRule,
    DecisionAction ShadowDecision,
    string ShadowRule);

/// <summary>How many decisions of each kind were taken in [<see cref="Start"/>, <see cref="End"/>). <see cref="Held"/> counts decisions whose effects the guard held; those are not counted under their kind, so the six counts add up to the bucket's total (the chart stacks them).</summary>
public sealed record DecisionCountBucket(
    DateTimeOffset Start,
    DateTimeOffset End,
    int Ignore,
    int Share,
    int Delete,
    int Cancel,
    int Unlink,
    int Held);
