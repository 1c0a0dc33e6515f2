using Microsoft.Extensions.Time.Testing;
using RulesSync.Engine.Decisions;
using RulesSync.Runner.Dashboard;
using RulesSync.Runner.Tenant;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.Dashboard;

/// <summary>
/// A realistic tenant for the dashboard tests and the screenshot in docs/: eight mailboxes on Exchange and
/// Google (one auto-suspended by the circuit breaker, one failing, one suspended by an operator), the
/// regression rule set's mass cancellation held by the guard, a meeting history, shadow differences and a
/// day of decisions. Times are fixed relative to <see cref="Now"/>.
/// </summary>
internal static class DashboardTenant
{
    public static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

    public const string AutoSuspended = "carla.meyer@contoso.example";
    public const string Failing = "dmitri.volkov@contoso.example";
    public const string OperatorSuspended = "farid.haddad@contoso.example";
    public const string Healthy = "ana.silva@contoso.example";
    public const string Organizer = "eva.nowak@contoso.example";
    public const string HeldCancellation = "held-7f3a-cancel-quarterly-review";
    public const string HeldDeletion = "held-7f3b-delete-site-visit";
    public const string HeldSecondCancellation = "held-7f3c-cancel-pricing-workshop";
    public const string QuarterlyReviewUid = "040000008200E00074C5B7101A82E00800000000A1B2C3D4/quarterly-review@contoso.example";
    public const string ActiveHash = "9c1e4f0b7a2d83e5c6f1a90b4d7e2c3f8a5b6d1e0f9c8b7a6d5e4f3c2b1a0d9e";
    public const string ShadowHash = "4b8f2e1d9c7a6b5e3f0d1c2b4a6e8f9d0c1b2a3e4f5d6c7b8a9e0f1d2c3b4a5e";

    public static FakeTimeProvider Clock() => new(Now);

    public static InMemoryOperatorConsole Seed(TimeProvider time)
    {
        var console = new InMemoryOperatorConsole(time);
        console.SetOverview(new TenantOverview(
            new RuleSetView(ActiveHash, "/etc/rulesync/rules/contoso.yaml", Now.AddHours(-20)),
            new ReloadErrorView(Now.AddMinutes(-42), "contoso.yaml:31:9: error: unknown fact 'organiser' (did you mean 'role: organizer'?)"),
            null,
            ShadowHash));

        console.Add(Mailbox(Healthy, MailboxProvider.Exchange, MailboxState.Syncing, syncedAgo: TimeSpan.FromMinutes(1), latencies: [420, 380, 510, 460, 395, 610, 440]));
        console.Add(Mailbox("ben.okafor@contoso.example", MailboxProvider.Google, MailboxState.Syncing, syncedAgo: TimeSpan.FromSeconds(40), latencies: [250, 310, 280, 240, 265, 300]));
        console.Add(Mailbox(AutoSuspended, MailboxProvider.Exchange, MailboxState.Suspended, syncedAgo: TimeSpan.FromHours(2), latencies: [520, 480, 8000, 8000, 8000],
            error: "Exchange refused the runner's sign-in (HTTP 401): the app registration's client secret expired on 1 March. Renew the secret, then resume.",
            pending: 3,
            suspension: new SuspensionView("circuit breaker", "5 consecutive failed syncs", Now.AddMinutes(-95), Automatic: true)));
        console.Add(Mailbox(Failing, MailboxProvider.Google, MailboxState.Failing, syncedAgo: TimeSpan.FromMinutes(18), latencies: [300, 290, 2900, 4100],
            error: "Google Calendar answered 503 (service unavailable) on the last 3 tries; retrying with backoff, next try in 4 minutes.",
            pending: 1));
        console.Add(Mailbox(Organizer, MailboxProvider.Exchange, MailboxState.Syncing, syncedAgo: TimeSpan.FromMinutes(3), latencies: [890, 1210, 950, 1020, 1480], held: 3));
        console.Add(Mailbox(OperatorSuspended, MailboxProvider.Exchange, MailboxState.Suspended, syncedAgo: TimeSpan.FromDays(1), latencies: [600, 640],
            suspension: new SuspensionView("Priya (ops)", "Mailbox moves to the new tenant tonight (CHG-4411)", Now.AddHours(-23), Automatic: false)));
        console.Add(Mailbox("grace.lee@contoso.example", MailboxProvider.Google, MailboxState.Syncing, syncedAgo: TimeSpan.FromMinutes(2), latencies: [330, 350, 310, 420]));
        console.Add(Mailbox("hiro.tanaka@contoso.example", MailboxProvider.Exchange, MailboxState.Syncing, syncedAgo: TimeSpan.FromMinutes(4), latencies: [700, 650, 720, 690, 2300]));

        const string why = "This cycle would cancel or delete 14 of eva.nowak's 31 meetings (45%; the limit is 10%).";
        console.Add(new HeldEffectView(HeldCancellation, Organizer, QuarterlyReviewUid, "Quarterly review with Fabrikam", "organizer-missing-on-v2-cancels-crm", DecisionAction.Cancel,
            "Cancel the CRM appointment and notify 4 attendees (2 at Fabrikam)", Now.AddMinutes(-12), why, Now.AddDays(3).AddHours(1.5), Organizer));
        console.Add(new HeldEffectView(HeldDeletion, Organizer, "site-visit-rotterdam-0412@contoso.example", "Site visit: Contoso Rotterdam", "organizer-delete-cancels-foreign-linked-record", DecisionAction.Delete,
            "Delete CRM visit 4711 (linked to ben.okafor's copy)", Now.AddMinutes(-12), why, Now.AddDays(8).AddHours(-1), Organizer));
        console.Add(new HeldEffectView(HeldSecondCancellation, Organizer, "pricing-workshop-2026@contoso.example", "Pricing workshop", "organizer-missing-on-v2-cancels-crm", DecisionAction.Cancel,
            "Cancel the CRM appointment and notify 6 attendees", Now.AddMinutes(-12), why, Now.AddDays(10).AddHours(4.5), Organizer));

        Facts facts = new()
        {
            ["source"] = "mailbox", ["provider"] = "google", ["kind"] = "created", ["role"] = "attendee", ["link"] = "unlinked",
            ["apiVersion"] = "v2", ["autoShare"] = "true", ["timing"] = "future",
        };
        console.Add(QuarterlyReviewUid, new JournalEntryView(Now.AddDays(-3), "ben.okafor@contoso.example", "attendee's copy appeared", facts, "auto-share-attendee-copy-on-v2", ActiveHash, DecisionAction.Share,
            [new JournalEffectView("Create CRM appointment, link ben.okafor's copy", EffectStatus.Applied)]));
        console.Add(QuarterlyReviewUid, new JournalEntryView(Now.AddDays(-3).AddMinutes(5), Organizer, "organizer's event appeared", new Facts(facts) { ["provider"] = "exchange", ["role"] = "organizer", ["link"] = "other" },
            "organizer-adopts-attendee-shared-record", ActiveHash, DecisionAction.Share,
            [new JournalEffectView("Link the CRM appointment to eva.nowak's event", EffectStatus.Applied)]));
        console.Add(QuarterlyReviewUid, new JournalEntryView(Now.AddMinutes(-12), Organizer, "organizer's event missing from a full listing", new Facts(facts) { ["provider"] = "exchange", ["role"] = "organizer", ["kind"] = "missing", ["link"] = "this" },
            "organizer-missing-on-v2-cancels-crm", ActiveHash, DecisionAction.Cancel,
            [new JournalEffectView("Cancel the CRM appointment and notify 4 attendees (2 at Fabrikam)", EffectStatus.Held)]));

        console.Add(new ShadowDifferenceView(Now.AddMinutes(-12), Organizer, QuarterlyReviewUid, "Quarterly review with Fabrikam", DecisionAction.Cancel, "organizer-missing-on-v2-cancels-crm", DecisionAction.Ignore, "organizer-missing-is-ignored"));
        console.Add(new ShadowDifferenceView(Now.AddMinutes(-12), Organizer, "pricing-workshop-2026@contoso.example", "Pricing workshop", DecisionAction.Cancel, "organizer-missing-on-v2-cancels-crm", DecisionAction.Ignore, "organizer-missing-is-ignored"));
        console.Add(new ShadowDifferenceView(Now.AddHours(-5), "grace.lee@contoso.example", "offsite-planning@contoso.example", "Offsite planning", DecisionAction.Ignore, "new-meeting-without-auto-share-ignored", DecisionAction.Share, "auto-share-new-organizer-meeting"));

        for (var h = 23; h >= 0; h--)
        {
            var start = new DateTimeOffset(Now.Year, Now.Month, Now.Day, Now.Hour, 0, 0, TimeSpan.Zero).AddHours(-h);
            var busy = start.Hour is >= 7 and <= 18;
            console.Add(new DecisionCountBucket(start, start.AddHours(1),
                Ignore: busy ? 40 + (h * 7 % 23) : 6 + (h % 4),
                Share: busy ? 12 + (h * 5 % 9) : 1 + (h % 2),
                Delete: h % 5 == 0 ? 1 : 0,
                Cancel: busy && h % 3 == 0 ? 2 : 0,
                Unlink: h % 4 == 1 ? 1 : 0,
                Held: h == 0 ? 14 : 0));
        }

        return console;
    }

    private static MailboxView Mailbox(
        string id, MailboxProvider provider, MailboxState state, TimeSpan syncedAgo, int[] latencies,
        string? error = null, int pending = 0, int held = 0, SuspensionView? suspension = null)
    {
        var last = Now - syncedAgo;
        var samples = latencies.Select((ms, i) => new SyncLatencySample(last.AddMinutes(-5 * (latencies.Length - 1 - i)), TimeSpan.FromMilliseconds(ms))).ToArray();
        return new MailboxView(id, provider, state, suspension, last, error, pending, held, samples);
    }

    private sealed class Facts : Dictionary<string, string>
    {
        public Facts()
            : base(StringComparer.Ordinal)
        {
        }

        public Facts(Facts other)
            : base(other, StringComparer.Ordinal)
        {
        }
    }
}
