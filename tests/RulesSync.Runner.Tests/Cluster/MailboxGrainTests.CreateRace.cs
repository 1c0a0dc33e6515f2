using RulesSync.Emulators.Crm;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Live;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// The create race of mailbox grains: orders out at once each carry the cycle's CRM snapshot as it stood when they
/// went out, so no mailbox synced in parallel sees a record another one created on another silo this cycle.
/// </summary>
public sealed partial class MailboxGrainTests
{
    /// <summary>
    /// Every participant's calendar shares a new meeting (the default rules share only the organizer's): each attendee
    /// mailbox of a new meeting decides to create its CRM record, and the organizer adopts an attendee's record.
    /// </summary>
    private const string ShareFromEveryCalendar = """
        name: share-from-every-calendar
        description: Test rules, every participant's calendar shares a new meeting, so mailboxes synced at once race to create its record.
        hitPolicy: first
        rules:
          - name: past-meetings-untouched
            because: Past meetings are history.
            when: { timing: past }
            decide: ignore
          - name: organizer-adopts-shared-record
            because: An attendee's share created the record first; the organizer's event takes it over.
            when: { source: mailbox, role: organizer, kind: created, link: other }
            decide: share
          - name: auto-share-from-every-calendar
            because: Whoever sees a new meeting first shares it.
            when: { source: mailbox, kind: created, link: unlinked, role: [organizer, attendee], autoShare: true }
            decide: share
          - name: everything-else-ignored
            because: Nothing above applies.
            when: {}
            decide: ignore
        """;

    [Fact]
    public async Task Cycle_AttendeeMailboxesOfNewMeetingsOrderedAtOnceAcrossSilos_OneCrmRecordPerMeetingAndOneCopyPerAttendee()
    {
        // One meeting, three mailboxes (one per silo, SpreadPlacement): every order out at once, each with the snapshot
        // as the cycle polled it. Few on purpose: the mailboxes queue on the meeting's lease (when each order was one
        // grain call, four mailboxes and two meetings once went past Orleans' 30 s response timeout on a loaded
        // machine; orders are now started and polled).
        string[] everyone = [Alice, Bob, Dave];
        await using var t = await ClusterRunnerTests.Tenant.StartAsync(cluster, "embedded:default", ApiVersion.V2, everyone, o =>
        {
            o.Sync.MaxParallelMailboxes = everyone.Length;
            var path = Path.Combine(o.BaseDirectory, "rules.yaml");
            File.WriteAllText(path, ShareFromEveryCalendar);
            o.Rules = path;
        }, mailboxGrains: true);
        var review = t.H.T.Organization.ScheduleMeeting(Alice, ConnectorTestHost.Draft("Review", 1, Bob, Dave));

        var first = await t.CycleAsync();
        var second = await t.CycleAsync();

        Assert.Equal((3, 0, 3, 0), (first.Synced, first.Failed, second.Synced, second.Failed));
        var silos = await t.MailboxSilosAsync(everyone);
        Assert.True(silos.Distinct(StringComparer.Ordinal).Count() > 1, $"every mailbox on {silos[0]}");
        Assert.Equal(["Review"], t.H.T.Host.Crm.All(CrmActivityKind.Appointment).Select(r => r.Subject));
        Assert.Single(t.H.T.Organization.Calendar(Bob), e => e.Subject == review.Subject);
        Assert.Single(t.H.T.Organization.Calendar(Dave), e => e.Subject == review.Subject);

        // The race happened: more than one mailbox decided to create the meeting's record, each from a snapshot without
        // it, and every create after the first was superseded by the record found, not carried out.
        var creates = t.Store.EffectsOfMeeting(review.ICalUid).Where(e => e.Kind == "CreateCrmRecord").ToList();
        Assert.True(creates.Select(e => e.Mailbox).Distinct(StringComparer.Ordinal).Count() > 1, $"{creates.Count} create(s), by {string.Join(", ", creates.Select(e => e.Mailbox))}");
        Assert.Single(creates, e => e.Status == EffectStatus.Applied);
        Assert.All(creates.Where(e => e.Status != EffectStatus.Applied), e =>
            Assert.True(e.Status == EffectStatus.Failed && e.Detail!.StartsWith(LiveSyncJournal.Superseded, StringComparison.Ordinal), $"{e.Mailbox}: {e.Status} {e.Detail}"));
        Assert.Empty(t.Store.Effects(EffectStatus.Planned));
    }
}
