using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;
using RulesSync.Engine.Tests.Rules;

namespace RulesSync.Engine.Tests.Sync;

/// <summary>The intent guard: a destructive effect goes out only on a person's act, never on an effect of our own.</summary>
public class IntentGuardTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 9, 10, 0, 0, TimeSpan.Zero);

    private static readonly MeetingContent Content = new(
        new MeetingUid("m1"), "Review", T0, T0.AddHours(1), "A", ["B"], Cancelled: false, MeetingType.Appointment);

    /// <summary>One effect of every kind, destructive or not.</summary>
    private static readonly ImmutableArray<Effect> Every =
    [
        new CreateCrmRecord("k0", "A-ev1", Content, "A"),
        new UpdateCrmRecord("k1", "R1", Content, null),
        new UpdateCrmRecord("k2", "R1", Content with { Cancelled = true }, null),
        new CancelCrmRecord("k3", "R1"),
        new DeleteCrmRecord("k4", "R1"),
        new CreateEvent("k5", "R1", Content),
        new UpdateEvent("k6", "A-ev1", Content),
        new CancelEvent("k7", "A-ev1"),
        new DeleteEvent("k8", "B-ev1"),
        new LinkReplica("k9", "A-ev1", "R1"),
        new UnlinkReplica("k10", "R1"),
        new HeldEffect("k11", "cancel the meeting", "only the organizer can", Destructive: true),
    ];

    private static ChangeFacts Facts(ChangeSource source, ChangeKind kind, Role role) =>
        ChangeFacts.Default with { Source = source, Kind = kind, Role = role };

    private static ObservedChange Change(ChangeSource source, ChangeKind kind) =>
        new("m1", source, kind, source == ChangeSource.Crm ? "R1" : "A-ev1", kind is ChangeKind.Deleted or ChangeKind.Missing ? string.Empty : "2");

    private static ChangeCause Cause(ChangeSource source, ChangeKind kind, Role role, OwnWrite? ours = null)
    {
        var facts = Facts(source, kind, role);
        return IntentGuard.CauseOf(Change(source, kind), in facts, ours);
    }

    [Theory]
    [InlineData(ChangeSource.Mailbox, ChangeKind.Cancelled, Role.Organizer, Licence.Cancel)]
    [InlineData(ChangeSource.Mailbox, ChangeKind.Deleted, Role.Organizer, Licence.Cancel | Licence.Delete)]
    [InlineData(ChangeSource.Mailbox, ChangeKind.Missing, Role.Organizer, Licence.Cancel | Licence.Delete)] // v2: searched by UID.
    [InlineData(ChangeSource.Mailbox, ChangeKind.Cancelled, Role.Attendee, Licence.Cancel)]
    [InlineData(ChangeSource.Crm, ChangeKind.Cancelled, Role.Organizer, Licence.Cancel)]
    [InlineData(ChangeSource.Crm, ChangeKind.Deleted, Role.Attendee, Licence.Delete)]
    [InlineData(ChangeSource.Crm, ChangeKind.Missing, Role.Organizer, Licence.Delete)]
    public void Check_PersonsCancellationOrDeletion_AdmitsWhatItLicenses(ChangeSource source, ChangeKind kind, Role role, Licence licence)
    {
        var cause = Cause(source, kind, role);

        Assert.Equal(CauseKind.PersonsAct, cause.Kind);
        Assert.Equal(licence, cause.Licenses);
        foreach (var e in Every)
        {
            var allowed = !EffectTraits.IsDestructive(e)
                || (EffectTraits.IsDeletion(e) ? licence.HasFlag(Licence.Delete) : licence.HasFlag(Licence.Cancel));
            Assert.True(allowed == IntentGuard.Check(e, cause) is null, $"{e.GetType().Name}: {IntentGuard.Check(e, cause)}");
        }
    }

    [Fact]
    public void Check_CrmUserDeletedTheRecord_NoAttendeeIsToldOfACancellation()
    {
        var cause = Cause(ChangeSource.Crm, ChangeKind.Deleted, Role.Organizer);

        Assert.Contains("licenses no cancellation", IntentGuard.Check(new CancelEvent("k", "A-ev1"), cause), StringComparison.Ordinal);
        Assert.Null(IntentGuard.Check(new DeleteEvent("k", "B-ev1"), cause));
    }

    [Fact]
    public void CauseOf_OrganizerMissingOnV1_IsNoAct()
    {
        // On v1 the CRM hides the UID: the organizer's own calendar may hold the meeting and still not match the record.
        var facts = Facts(ChangeSource.Mailbox, ChangeKind.Missing, Role.Organizer) with { ApiVersion = ApiVersion.V1 };

        var cause = IntentGuard.CauseOf(Change(ChangeSource.Mailbox, ChangeKind.Missing), in facts, null);

        Assert.Equal(CauseKind.NoAct, cause.Kind);
        Assert.NotNull(IntentGuard.Check(new DeleteCrmRecord("k", "R1"), cause));
    }

    [Theory]
    [InlineData(ChangeSource.Mailbox, ChangeKind.Created, Role.Organizer)] // Incident 1: the organizer's new event, with the record owned by an attendee.
    [InlineData(ChangeSource.Mailbox, ChangeKind.Missing, Role.Attendee)] // Incident 2: an attendee's calendar on v1 cannot find the meeting.
    [InlineData(ChangeSource.Mailbox, ChangeKind.Deleted, Role.Attendee)] // An attendee removed their own copy.
    [InlineData(ChangeSource.Mailbox, ChangeKind.Updated, Role.Organizer)]
    [InlineData(ChangeSource.Crm, ChangeKind.Updated, Role.Organizer)]
    [InlineData(ChangeSource.Crm, ChangeKind.Created, Role.Organizer)]
    public void Check_NoPersonCancelledOrDeleted_HoldsEveryDestructiveEffect(ChangeSource source, ChangeKind kind, Role role)
    {
        var cause = Cause(source, kind, role);

        Assert.Equal(CauseKind.NoAct, cause.Kind);
        Assert.All(Every.Where(EffectTraits.IsDestructive), e => Assert.StartsWith("intent guard: ", IntentGuard.Check(e, cause), StringComparison.Ordinal));
        Assert.All(Every.Where(e => !EffectTraits.IsDestructive(e)), e => Assert.Null(IntentGuard.Check(e, cause)));
    }

    [Theory]
    [InlineData(ChangeSource.Crm, ChangeKind.Deleted, Role.Organizer)] // A record our sync deleted, and another sync then saw gone.
    [InlineData(ChangeSource.Crm, ChangeKind.Missing, Role.Organizer)]
    [InlineData(ChangeSource.Crm, ChangeKind.Cancelled, Role.Organizer)]
    [InlineData(ChangeSource.Mailbox, ChangeKind.Cancelled, Role.Attendee)] // An attendee's copy, cancelled by our cancellation of the organizer's event.
    [InlineData(ChangeSource.Mailbox, ChangeKind.Deleted, Role.Organizer)]
    public void Check_ChangeIsOurOwnWrite_HoldsEveryDestructiveEffectThoughItLooksLikeAPersonsAct(ChangeSource source, ChangeKind kind, Role role)
    {
        var ours = new OwnWrite("bob/mailbox:B-ev1@:missing/r#0:delete-crm", "delete CRM record R1");

        var cause = Cause(source, kind, role, ours);

        Assert.Equal(CauseKind.OwnEffect, cause.Kind);
        Assert.Equal(ours.IdempotencyKey, cause.OwnEffect);
        Assert.All(Every.Where(EffectTraits.IsDestructive), e => Assert.Contains("an effect of our own", IntentGuard.Check(e, cause), StringComparison.Ordinal));
        Assert.All(Every.Where(e => !EffectTraits.IsDestructive(e)), e => Assert.Null(IntentGuard.Check(e, cause)));
    }

    [Fact]
    public void CauseOf_OwnWriteForAChangeThatIsNoRemoval_IsNotOwnEffect()
    {
        // Only a removal or a cancellation can be the echo of our cancel or delete; a new replica is something else.
        var cause = Cause(ChangeSource.Mailbox, ChangeKind.Created, Role.Organizer, new OwnWrite("k", "delete CRM record R1"));

        Assert.Equal(CauseKind.NoAct, cause.Kind);
        Assert.Null(cause.OwnEffect);
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(RuleArbitraries)])]
    public Property Check_AnyFacts_AdmitsADestructiveEffectOnlyOnARemovalOrCancellationThatIsNotOurs(ChangeFacts facts, bool ours)
    {
        var change = Change(facts.Source, facts.Kind);
        var cause = IntentGuard.CauseOf(change, in facts, ours ? new OwnWrite("k", "ours") : null);
        var admitted = Every.Where(e => EffectTraits.IsDestructive(e) && IntentGuard.Check(e, cause) is null).ToList();
        var removal = facts.Kind is ChangeKind.Cancelled or ChangeKind.Deleted or ChangeKind.Missing;
        return (admitted.Count == 0 || (removal && !ours)).Label($"{facts.Source} {facts.Kind} {facts.Role}, ours={ours}: {cause}");
    }

    [Fact]
    public void IsDestructive_EveryEffectKind_IsTheDeletesAndCancels()
    {
        Assert.Equal(["k2", "k3", "k4", "k7", "k8"], Every.Where(EffectTraits.IsDestructive).Select(e => e.IdempotencyKey));
        Assert.Equal(["k7"], Every.Where(EffectTraits.NotifiesCancellation).Select(e => e.IdempotencyKey));
    }
}
