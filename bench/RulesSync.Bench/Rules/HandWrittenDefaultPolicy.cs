using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;

namespace RulesSync.Bench.Rules;

/// <summary>
/// rules/default.yaml written by hand as a C# function: the baseline the compiled rule set is measured
/// against. The benchmark's setup checks that it agrees with the compiled rule set on the whole fact
/// space, so the two cannot drift apart unnoticed.
/// </summary>
internal sealed class HandWrittenDefaultPolicy : IDecisionPolicy
{
    private static readonly Decision IgnorePast = D(DecisionAction.Ignore, DecisionTarget.Crm, "past-meetings-untouched");
    private static readonly Decision IgnorePastCrm = D(DecisionAction.Ignore, DecisionTarget.Mailbox, "past-meetings-untouched");
    private static readonly Decision IgnoreWindow = D(DecisionAction.Ignore, DecisionTarget.Crm, "outside-window-untouched");
    private static readonly Decision IgnoreWindowCrm = D(DecisionAction.Ignore, DecisionTarget.Mailbox, "outside-window-untouched");
    private static readonly Decision SeriesRemoval = D(DecisionAction.Cancel, DecisionTarget.Crm, "series-removal-cancels-future-occurrence-records");
    private static readonly Decision OccurrenceRemoval = D(DecisionAction.Cancel, DecisionTarget.Crm, "occurrence-removal-cancels-its-record-only");
    private static readonly Decision OrganizerCancel = D(DecisionAction.Cancel, DecisionTarget.Crm, "organizer-cancel-reaches-crm");
    private static readonly Decision CrmCancel = D(DecisionAction.Cancel, DecisionTarget.Mailbox, "crm-cancel-cancels-meeting");
    private static readonly Decision CrmCancelOthers = D(DecisionAction.Ignore, DecisionTarget.Mailbox, "crm-cancel-left-to-organizer");
    private static readonly Decision CrmRemoval = D(DecisionAction.Unlink, DecisionTarget.Mailbox, "crm-removal-unlinks");
    private static readonly Decision CancelSeenOnCopy = D(DecisionAction.Cancel, DecisionTarget.Crm, "organizer-cancel-seen-on-copy");
    private static readonly Decision OrganizerDeletionByUid = D(DecisionAction.Cancel, DecisionTarget.Crm, "organizer-deletion-found-by-uid");
    private static readonly Decision AttendeeRemoval = D(DecisionAction.Ignore, DecisionTarget.Crm, "attendee-removal-stays-personal");
    private static readonly Decision ForeignMissing = D(DecisionAction.Ignore, DecisionTarget.Crm, "foreign-replica-missing-ignored");
    private static readonly Decision OwnMissing = D(DecisionAction.Unlink, DecisionTarget.Crm, "own-replica-missing-unlinks");
    private static readonly Decision OrganizerChanges = D(DecisionAction.Share, DecisionTarget.Crm, "organizer-changes-shared");
    private static readonly Decision OrganizerAdopts = D(DecisionAction.Share, DecisionTarget.Crm, "organizer-adopts-shared-record");
    private static readonly Decision CrmToOrganizer = D(DecisionAction.Share, DecisionTarget.Mailbox, "crm-changes-reach-organizer");
    private static readonly Decision AutoShareOrganizer = D(DecisionAction.Share, DecisionTarget.Crm, "auto-share-organizer-meetings");
    private static readonly Decision IgnoreMailbox = D(DecisionAction.Ignore, DecisionTarget.Crm, "everything-else-ignored");
    private static readonly Decision IgnoreCrm = D(DecisionAction.Ignore, DecisionTarget.Mailbox, "everything-else-ignored");

    public HandWrittenDefaultPolicy(string hash) => Hash = hash;

    public string Hash { get; }

    public Decision Decide(in ChangeFacts f)
    {
        var fromMailbox = f.Source == ChangeSource.Mailbox;
        if (f.Timing == Timing.Past)
        {
            return fromMailbox ? IgnorePast : IgnorePastCrm;
        }

        if (!f.InSyncWindow && f.Kind is ChangeKind.Created or ChangeKind.Updated or ChangeKind.Declined)
        {
            return fromMailbox ? IgnoreWindow : IgnoreWindowCrm;
        }

        if (fromMailbox)
        {
            return DecideMailbox(f);
        }

        return f.Kind switch
        {
            ChangeKind.Cancelled when f.Role == Role.Organizer && f.Link != LinkState.Unlinked => CrmCancel,
            ChangeKind.Cancelled => CrmCancelOthers,
            ChangeKind.Deleted or ChangeKind.Missing => CrmRemoval,
            ChangeKind.Created or ChangeKind.Updated when f.Role == Role.Organizer => CrmToOrganizer,
            _ => IgnoreCrm,
        };
    }

    private static Decision DecideMailbox(in ChangeFacts f)
    {
        var linked = f.Link != LinkState.Unlinked;
        if (f.Role == Role.Organizer && linked && f.Kind is ChangeKind.Cancelled or ChangeKind.Deleted)
        {
            return f.Recurrence == RecurrenceKind.None ? OrganizerCancel : f.Scope == ChangeScope.One ? OccurrenceRemoval : SeriesRemoval;
        }

        if (f.Role == Role.Attendee && linked && f.Kind == ChangeKind.Cancelled)
        {
            return CancelSeenOnCopy;
        }

        if (f.Role != Role.Organizer && f.Kind is ChangeKind.Deleted or ChangeKind.Declined or ChangeKind.Cancelled or ChangeKind.Missing)
        {
            return AttendeeRemoval;
        }

        if (f.Kind == ChangeKind.Missing && f.Role == Role.Organizer && f.ApiVersion == ApiVersion.V2)
        {
            return OrganizerDeletionByUid;
        }

        if (f.Kind == ChangeKind.Missing)
        {
            return f.Link == LinkState.This ? OwnMissing : ForeignMissing;
        }

        if (f.Role == Role.Organizer && f.Link != LinkState.Unlinked && f.Kind is ChangeKind.Updated or ChangeKind.Declined)
        {
            return OrganizerChanges;
        }

        if (f.Role == Role.Organizer && f.Kind == ChangeKind.Created && f.Link == LinkState.Other)
        {
            return OrganizerAdopts;
        }

        if (f.Kind == ChangeKind.Created && f.Link == LinkState.Unlinked && f.AutoShare && f.Role == Role.Organizer)
        {
            return AutoShareOrganizer;
        }

        return IgnoreMailbox;
    }

    private static Decision D(DecisionAction action, DecisionTarget target, string rule) => new(action, target, rule, string.Empty, string.Empty);
}
