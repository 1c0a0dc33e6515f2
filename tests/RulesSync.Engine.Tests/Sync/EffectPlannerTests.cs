using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Meetings;
using RulesSync.Engine.Sync;

namespace RulesSync.Engine.Tests.Sync;

/// <summary>The planner's guard: attendees hear of a cancellation only through a decided cancel of the organizer's event.</summary>
public class EffectPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 9, 10, 0, 0, TimeSpan.Zero);

    private static MailboxItem Event(bool organizer, bool attendees, bool cancelled = false) =>
        new("A-ev1", "1", new MeetingUid("m1"), organizer, "A",
            attendees ? [new MeetingAttendee("B", true, AttendeeResponse.None)] : ImmutableArray<MeetingAttendee>.Empty,
            cancelled, "Review", T0, T0.AddHours(1), MeetingType.Appointment, AttendeeResponse.None, false);

    private static CrmRecord Record(string? link) =>
        new("R1", "W/1", new MeetingUid("m1"), link, "Review", T0, T0.AddHours(1), CrmStatus.Open, "A", "A",
            [new CrmParty("A", PartyRole.Organizer), new CrmParty("B", PartyRole.Attendee)], MeetingType.Appointment);

    private static readonly ObservedChange Change = new("m1", ChangeSource.Mailbox, ChangeKind.Updated, "A-ev1", "1");

    public static Gen<(Decision Decision, MeetingView View)> Plans() =>
        from action in Gen.Elements(Enum.GetValues<DecisionAction>())
        from target in Gen.Elements(DecisionTarget.Crm, DecisionTarget.Mailbox)
        from provider in Gen.Elements(Provider.Exchange, Provider.Google)
        from organizer in Gen.Elements(true, false)
        from attendees in Gen.Elements(true, false)
        from cancelled in Gen.Elements(true, false)
        from hasEvent in Gen.Elements(true, false)
        from link in Gen.Elements<string?>(null, "A-ev1", "B-ev1")
        from hasRecord in Gen.Elements(true, false)
        select (new Decision(action, target, "r", "h", "e"),
                new MeetingView("A", provider, hasEvent ? Event(organizer, attendees, cancelled) : null, hasRecord ? Record(link) : null, new MeetingUid("m1")));

    [Property(MaxTest = 400)]
    public Property Plan_OnlyADecidedCancelOfTheOrganizersOwnEventNotifies() =>
        Prop.ForAll(Plans().ToArbitrary(), p =>
        {
            var effects = EffectPlanner.Plan(p.Decision, Change, p.View);
            var notifying = effects.Where(EffectPlanner.NotifiesCancellation).ToList();
            return notifying.Count == 0
                || (p.Decision.Action == DecisionAction.Cancel && p.Decision.Target == DecisionTarget.Mailbox && p.View.Event is { IsOrganizer: true, Cancelled: false });
        });

    [Property(MaxTest = 400)]
    public Property Plan_NeverDeletesAnOrganizersExchangeEventWithAttendees() =>
        Prop.ForAll(Plans().ToArbitrary(), p =>
        {
            var effects = EffectPlanner.Plan(p.Decision, Change, p.View);
            var risky = p.View is { Provider: Provider.Exchange, Event: { IsOrganizer: true, Cancelled: false } ev } && ev.Attendees.Any(a => a.Address != "A");
            return !risky || !effects.OfType<DeleteEvent>().Any();
        });

    [Property(MaxTest = 200)]
    public Property Plan_IsDeterministicWithDistinctKeys() =>
        Prop.ForAll(Plans().ToArbitrary(), p =>
        {
            var a = EffectPlanner.Plan(p.Decision, Change, p.View);
            var b = EffectPlanner.Plan(p.Decision, Change, p.View);
            return a.SequenceEqual(b) && a.Select(e => e.IdempotencyKey).Distinct().Count() == a.Length;
        });

    [Fact]
    public void Plan_DeleteOfOrganizersExchangeEventWithAttendees_IsHeldAsDestructive()
    {
        var view = new MeetingView("A", Provider.Exchange, Event(organizer: true, attendees: true), Record("A-ev1"), new MeetingUid("m1"));
        var effects = EffectPlanner.Plan(new Decision(DecisionAction.Delete, DecisionTarget.Mailbox, "r", "h", "e"), Change, view);
        var held = Assert.IsType<HeldEffect>(Assert.Single(effects));
        Assert.True(held.Destructive);
        Assert.Contains("cancellations", held.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DeleteOfOrganizersGoogleEvent_DeletesWithoutNotifying()
    {
        var view = new MeetingView("A", Provider.Google, Event(organizer: true, attendees: true), null, new MeetingUid("m1"));
        var effects = EffectPlanner.Plan(new Decision(DecisionAction.Delete, DecisionTarget.Mailbox, "r", "h", "e"), Change, view);
        Assert.IsType<DeleteEvent>(Assert.Single(effects));
    }

    [Fact]
    public void Plan_ShareOfACompletedRecordWithoutEvent_CreatesNothingAndHoldsNothing()
    {
        var crmChange = new ObservedChange("m1", ChangeSource.Crm, ChangeKind.Updated, "R1", "W/1");
        var share = new Decision(DecisionAction.Share, DecisionTarget.Mailbox, "r", "h", "e");
        var completed = new MeetingView("A", Provider.Exchange, null, Record(null) with { Status = CrmStatus.Completed }, new MeetingUid("m1"));
        Assert.Empty(EffectPlanner.Plan(share, crmChange, completed));

        var open = completed with { Record = Record(null) };
        Assert.IsType<CreateEvent>(Assert.Single(EffectPlanner.Plan(share, crmChange, open)));
    }

    [Fact]
    public void Plan_CancelByAttendee_IsHeld()
    {
        var view = new MeetingView("B", Provider.Exchange, Event(organizer: false, attendees: true), Record("A-ev1"), new MeetingUid("m1"));
        var effects = EffectPlanner.Plan(new Decision(DecisionAction.Cancel, DecisionTarget.Mailbox, "r", "h", "e"), Change, view);
        Assert.True(Assert.IsType<HeldEffect>(Assert.Single(effects)).Destructive);
    }

    [Fact]
    public void Plan_ShareOfUnlinkedReplica_CreatesRecordOwnedBySharer()
    {
        var view = new MeetingView("B", Provider.Exchange, Event(organizer: false, attendees: true), null, new MeetingUid("m1"));
        var effects = EffectPlanner.Plan(new Decision(DecisionAction.Share, DecisionTarget.Crm, "r", "h", "e"), Change, view);
        Assert.Equal("B", Assert.IsType<CreateCrmRecord>(Assert.Single(effects)).Owner);
    }

    [Fact]
    public void Plan_ShareFromCrmWhenRecordLinkedElsewhereAndNoEvent_DoesNotRecreateTheMeeting()
    {
        var view = new MeetingView("A", Provider.Exchange, null, Record("B-ev1"), new MeetingUid("m1"));
        var change = Change with { Source = ChangeSource.Crm, ReplicaId = "R1" };
        var effects = EffectPlanner.Plan(new Decision(DecisionAction.Share, DecisionTarget.Mailbox, "r", "h", "e"), change, view);
        Assert.False(Assert.IsType<HeldEffect>(Assert.Single(effects)).Destructive);
    }

    [Fact]
    public void Plan_CrmEditSharedToOrganizer_CarriesOnlyTheFieldsTheCrmChanged()
    {
        // The organizer moved the meeting and removed B, and the rules left that unshared (beyond the window); then a
        // CRM user renamed the record. The share carries the new subject, not the record's older time and attendees.
        var seen = Record("A-ev1");
        var renamed = seen with { ETag = "W/2", Subject = "Review (edited)" };
        var moved = Event(organizer: true, attendees: false) with { Start = T0.AddDays(400), End = T0.AddDays(400).AddHours(1) };
        var change = new ObservedChange("m1", ChangeSource.Crm, ChangeKind.Updated, "R1", "W/2");
        var share = new Decision(DecisionAction.Share, DecisionTarget.Mailbox, "r", "h", "e");

        var update = EffectPlanner.Plan(share, change, new MeetingView("A", Provider.Exchange, moved, renamed, new MeetingUid("m1"), seen)).OfType<UpdateEvent>().Single();

        Assert.Equal("Review (edited)", update.Content.Subject);
        Assert.Equal(moved.Start, update.Content.Start);
        Assert.Equal(moved.End, update.Content.End);
        Assert.Empty(update.Content.Attendees);

        // Without a version decided on before, the record's content is all there is to go by (as before).
        var whole = EffectPlanner.Plan(share, change, new MeetingView("A", Provider.Exchange, moved, renamed, new MeetingUid("m1"))).OfType<UpdateEvent>().Single();
        Assert.Equal(T0, whole.Content.Start);
        Assert.Equal("B", Assert.Single(whole.Content.Attendees));

        // A field the CRM did change travels: the time, start and end together; the attendees.
        var rescheduled = seen with { ETag = "W/2", Start = T0.AddHours(2), End = T0.AddHours(3), Parties = [new CrmParty("A", PartyRole.Organizer)] };
        var both = EffectPlanner.Plan(share, change, new MeetingView("A", Provider.Exchange, moved, rescheduled, new MeetingUid("m1"), seen)).OfType<UpdateEvent>().Single();
        Assert.Equal((T0.AddHours(2), T0.AddHours(3)), (both.Content.Start, both.Content.End));
        Assert.Equal("Review", both.Content.Subject);
        Assert.Empty(both.Content.Attendees);
    }

    [Fact]
    public void Plan_CrmRescheduleMergedIntoTheWindow_WritesTheOrganizersOtherFieldsToTheRecord()
    {
        // The organizer removed B and moved the meeting beyond the window (unshared); a CRM user rescheduled it inside
        // the window. The event takes the CRM user's time and keeps its attendees; inside the window the record follows
        // the organizer's attendees, so both sides hold the same meeting.
        var seen = Record("A-ev1");
        var rescheduled = seen with { ETag = "W/2", Start = T0.AddHours(2), End = T0.AddHours(3) };
        var moved = Event(organizer: true, attendees: false) with { Start = T0.AddDays(400), End = T0.AddDays(400).AddHours(1) };
        var change = new ObservedChange("m1", ChangeSource.Crm, ChangeKind.Updated, "R1", "W/2");
        var share = new Decision(DecisionAction.Share, DecisionTarget.Mailbox, "r", "h", "e");
        var window = new SyncWindow(T0.AddDays(-30), T0.AddDays(365));

        var effects = EffectPlanner.Plan(share, change, new MeetingView("A", Provider.Exchange, moved, rescheduled, new MeetingUid("m1"), seen, window));

        var toEvent = effects.OfType<UpdateEvent>().Single().Content;
        var toRecord = effects.OfType<UpdateCrmRecord>().Single();
        Assert.Equal((T0.AddHours(2), T0.AddHours(3)), (toEvent.Start, toEvent.End));
        Assert.Empty(toEvent.Attendees);
        Assert.Equal(toEvent, toRecord.Content);
        Assert.Null(toRecord.RelinkTo);

        // Beyond the window (the CRM changed only the subject, so the event keeps its time 400 days out) the record
        // keeps its own content; and with no window known, nothing is written back.
        var renamed = seen with { ETag = "W/2", Subject = "Renamed" };
        Assert.DoesNotContain(EffectPlanner.Plan(share, change, new MeetingView("A", Provider.Exchange, moved, renamed, new MeetingUid("m1"), seen, window)), e => e is UpdateCrmRecord);
        Assert.DoesNotContain(EffectPlanner.Plan(share, change, new MeetingView("A", Provider.Exchange, moved, rescheduled, new MeetingUid("m1"), seen)), e => e is UpdateCrmRecord);
    }

    [Fact]
    public void Plan_CrmEditOfFieldsTheEventAlreadyHas_PlansNoEventUpdate()
    {
        // The record's unchanged fields differ from the event's (an unshared organizer change), and the one field the
        // CRM changed already matches the event: nothing to write to the calendar.
        var seen = Record("A-ev1");
        var ev = Event(organizer: true, attendees: true) with { Subject = "Renamed", Start = T0.AddDays(400), End = T0.AddDays(400).AddHours(1) };
        var renamed = seen with { ETag = "W/2", Subject = "Renamed" };
        var change = new ObservedChange("m1", ChangeSource.Crm, ChangeKind.Updated, "R1", "W/2");

        var effects = EffectPlanner.Plan(new Decision(DecisionAction.Share, DecisionTarget.Mailbox, "r", "h", "e"), change, new MeetingView("A", Provider.Exchange, ev, renamed, new MeetingUid("m1"), seen));

        Assert.DoesNotContain(effects, e => e is UpdateEvent);
    }

    [Fact]
    public void EveryEffect_IsASealedRecord()
    {
        var effects = typeof(Effect).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Effect))).ToList();
        Assert.True(effects.Count >= 11);
        Assert.All(effects, t =>
        {
            Assert.True(t.IsSealed, t.Name);
            Assert.NotNull(t.GetMethod("<Clone>$"));
        });
    }
}
