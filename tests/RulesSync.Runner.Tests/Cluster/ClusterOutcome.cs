using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Connectors;

namespace RulesSync.Runner.Tests.Cluster;

/// <summary>
/// The fault campaigns' world on a cluster tenant: three meetings across Alice, Bob and Carol (one with an external
/// attendee), the users' moves while the cluster recovers, and what must hold after recovery — one CRM record per
/// meeting, one copy per attendee, no cancellation nobody meant, no effect left planned, meeting lease tokens only
/// going up in journal order.
/// </summary>
internal sealed class ClusterOutcome
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string Carol = ConnectorTestHost.Carol;
    private const string External = ConnectorTestHost.External;

    private readonly ClusterRunnerTests.Tenant t;

    private ClusterOutcome(ClusterRunnerTests.Tenant tenant) => t = tenant;

    public List<(string Uid, string Organizer, string[] Employees)> Meetings { get; } = [];

    /// <summary>The tenant's mailboxes, for <see cref="ClusterRunnerTests.Tenant.StartAsync"/>.</summary>
    public static string[] Mailboxes => [Alice, Bob, Carol];

    /// <summary>Schedules the three meetings in the tenant's organization.</summary>
    public static ClusterOutcome Schedule(ClusterRunnerTests.Tenant tenant)
    {
        var o = new ClusterOutcome(tenant);
        o.Add(Alice, "Quarterly review", 1, Bob, Carol, External);
        o.Add(Bob, "Pipeline", 2, Alice, External);
        o.Add(Carol, "Offsite planning", 3, Alice, Bob);
        return o;
    }

    /// <summary>A user's moves while the tenant was down: an attendee accepts, an organizer moves a meeting.</summary>
    public void UsersKeepChanging()
    {
        t.H.T.Organization.Respond(Bob, Meetings[0].Uid, AttendeeResponse.Accepted);
        var now = t.H.T.Time.GetUtcNow();
        t.H.T.Organization.Reschedule(Carol, Meetings[2].Uid, now.AddDays(6), now.AddDays(6).AddHours(1));
    }

    /// <summary>0 lost, 0 duplicated, 0 spurious: every meeting once in the CRM, once per attendee, nothing cancelled, nothing left planned.</summary>
    public void AssertNothingLostDuplicatedOrCancelled()
    {
        var org = t.H.T.Organization;
        Assert.DoesNotContain(org.Messages, m => m.Kind == MessageKind.Cancellation);
        var records = t.H.T.Host.Crm.All(CrmActivityKind.Appointment);
        foreach (var (uid, organizer, employees) in Meetings)
        {
            var mine = records.Where(r => r.ICalUid == uid).ToList();
            Assert.True(mine.Count == 1, $"{uid}: {mine.Count} CRM records");
            Assert.NotEqual("4", mine[0].LifeCycleStatusCode);
            Assert.True(org.Find(organizer, uid) is { IsCancelled: false }, $"{uid}: the organizer's event is gone or cancelled");
            foreach (var e in employees)
            {
                var copies = org.Calendar(e).Count(c => c.ICalUid == uid);
                Assert.True(copies == 1, $"{uid}: {e} has {copies} copies");
                Assert.False(org.Find(e, uid)!.IsCancelled, $"{uid}: {e}'s copy is cancelled");
            }
        }

        Assert.Empty(t.Store.Effects(EffectStatus.Planned));
    }

    /// <summary>Per meeting, every decision was taken under the meeting's lease, and the tokens only go up in journal order.</summary>
    public void AssertMeetingFencesOnlyGoUp()
    {
        foreach (var (uid, _, _) in Meetings)
        {
            var tokens = t.Store.DecisionsOfMeeting(uid).Select(d => d.MeetingFence ?? 0).ToList();
            Assert.All(tokens, token => Assert.True(token > 0, $"{uid}: a decision without a meeting lease"));
            Assert.Equal(tokens.Order(), tokens);
        }
    }

    private void Add(string organizer, string subject, int days, params string[] attendees)
    {
        var m = t.H.T.Organization.ScheduleMeeting(organizer, ConnectorTestHost.Draft(subject, days, attendees));
        Meetings.Add((m.ICalUid, organizer, [organizer, .. attendees.Where(a => a != External)]));
    }
}
