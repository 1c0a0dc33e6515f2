using Microsoft.Extensions.Logging;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Live;
using RulesSync.Runner.Notifications;
using RulesSync.Runner.RuleFiles;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Demo;

/// <summary>One act of the demo: the tenant's settings and who syncs first — one of the 2020-02 incident orderings.</summary>
/// <param name="Name">The act's title.</param>
/// <param name="Dialect">The CRM's OData API generation.</param>
/// <param name="AutoShare">Whether the tenant auto-shares meetings.</param>
/// <param name="SyncOrder">The mailboxes in the order their syncs run within a cycle.</param>
/// <param name="FromCrm">Whether Alice's meetings are created in the CRM (else in her calendar).</param>
internal sealed record DemoAct(string Name, ApiVersion Dialect, bool AutoShare, IReadOnlyList<string> SyncOrder, bool FromCrm)
{
    public const string Domain = "contoso.example";
    public const string Alice = "alice@contoso.example";
    public const string Bob = "bob@contoso.example";
    public const string Carol = "carol@contoso.example";
    public const string Dave = "dave@contoso.example";
    public const string Customer = "buyer@fabrikam.example";

    /// <summary>The two orderings of the 2020-02 incident (../shared/incident-2020-02.md).</summary>
    public static IReadOnlyList<DemoAct> Incidents { get; } =
    [
        new("incident 1: auto-share on, API v2, meetings from the calendar, the attendees sync first", ApiVersion.V2, true, [Bob, Carol, Alice, Dave], FromCrm: false),
        new("incident 2: API v1, meetings from the CRM, the organizer syncs first", ApiVersion.V1, false, [Alice, Bob, Carol, Dave], FromCrm: true),
    ];
}

/// <summary>What one act did under one rule set, read off the emulators (what people received) and the state file.</summary>
internal sealed record DemoResult(
    string Act,
    string Rules,
    int Meetings,
    int Cycles,
    int Decisions,
    int CrmRecords,
    int Invitations,
    int MeantCancellations,
    int SpuriousCancellations,
    int OrganizerEventsLost,
    int HeldEffects,
    IReadOnlyList<string> Held,
    IReadOnlyList<string> Notices)
{
    /// <summary>Nobody received a cancellation nobody meant, and no organizer lost a meeting they kept.</summary>
    public bool NothingSpurious => SpuriousCancellations == 0 && OrganizerEventsLost == 0;
}

/// <summary>
/// The demo's story, acted against the protocol emulators through the live runner and the real SDK connectors: an
/// organisation of four (Alice and Bob on Exchange, Carol and Dave on Google) plus a customer; Alice schedules
/// meetings with Bob, Carol and the customer, Dave invites Alice; the runner syncs in the act's order; then Alice
/// moves one meeting and cancels another (the one cancellation that is meant); the runner syncs again. No clock is
/// faked: meetings lie in the coming days of the real calendar.
/// </summary>
internal static class DemoStory
{
    /// <summary>Cycles before and after the users' changes.</summary>
    public const int CyclesBefore = 3;

    public const int CyclesAfter = 2;

    /// <summary>
    /// Acts <paramref name="act"/> under <paramref name="rules"/>. The runner's state and a <c>rulesync.yaml</c> naming it
    /// are kept in <paramref name="folder"/> (a previous run's state there is replaced), so <c>rulesync held</c>,
    /// <c>status</c> and <c>journal</c> work on it afterwards.
    /// </summary>
    public static async Task<DemoResult> RunAsync(DemoAct act, string rules, int meetings, string folder, TextWriter? log, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        log?.WriteLine("  starting the emulators and the runner (signing in through Azure.Identity and Google.Apis.Auth at the emulated token endpoints)...");
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Seed = 2020, TimeProvider = time }, cancellationToken).ConfigureAwait(false);
        var options = Options(act, rules, host, folder);
        Directory.CreateDirectory(folder);
        if (Directory.Exists(options.DataPath))
        {
            Directory.Delete(options.DataPath, recursive: true);
        }

        await File.WriteAllTextAsync(
            Path.Combine(folder, "rulesync.yaml"),
            RunnerConfigurationWriter.Write(options, [$"The demo's {act.Name} under {rules}: its state, for 'rulesync held|status|journal --config' (the emulators are gone)."]),
            cancellationToken).ConfigureAwait(false);
        var notices = new List<OperatorNotice>();
        using var store = StateStore.Open(options.StatePath, create: true);
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        using var connections = new RunnerConnections(options, time, loggers);
        var runner = new LiveRunner(
            options, store, connections, LiveRuleSet.Load(options.ResolveRules(rules)), null, new CollectingNotifier(notices), time, loggers.CreateLogger<LiveRunner>());
        runner.Start();

        var org = host.Organization;
        var subjects = Schedule(host, act, meetings, time.GetUtcNow());
        log?.WriteLine($"  {meetings} meetings by Alice with Bob, Carol and a customer ({(act.FromCrm ? "created in the CRM" : "scheduled in her calendar")}); 1 by Dave with Alice");

        var decisions = 0;
        var cycles = 0;
        async Task CycleAsync(string when)
        {
            var report = await runner.RunCycleAsync(cancellationToken).ConfigureAwait(false);
            cycles++;
            decisions += report.Decisions;
            log?.WriteLine($"  cycle {cycles} ({when}): {report.Synced} mailboxes synced, {report.Decisions} decisions, {report.Held} effects held{(report.Failed > 0 ? $", {report.Failed} FAILED" : string.Empty)}");
        }

        for (var i = 0; i < CyclesBefore; i++)
        {
            await CycleAsync("after scheduling").ConfigureAwait(false);
        }

        // The users carry on: Alice moves the first meeting and cancels the last one from her own client.
        CalendarEntry? Alices(string subject) => org.Calendar(DemoAct.Alice).FirstOrDefault(e => e.Subject == subject && e.Organizer == DemoAct.Alice);
        if (Alices(subjects[0]) is { IsCancelled: false } moved)
        {
            org.Reschedule(DemoAct.Alice, moved.ICalUid, moved.Start.AddHours(1), moved.End.AddHours(1));
        }

        var meant = subjects[^1];
        if (Alices(meant) is { IsCancelled: false } cancelled)
        {
            org.CancelMeeting(DemoAct.Alice, cancelled.ICalUid, "Customer postponed");
        }

        log?.WriteLine($"  Alice moves \"{subjects[0]}\" and cancels \"{meant}\" herself");
        for (var i = 0; i < CyclesAfter; i++)
        {
            await CycleAsync("after the users' changes").ConfigureAwait(false);
        }

        var cancellations = org.Messages.Where(m => m.Kind == MessageKind.Cancellation).ToList();
        var lost = subjects.Where(x => x != meant).Count(x => Alices(x) is not { IsCancelled: false })
            + (org.Calendar(DemoAct.Dave).Any(e => e.Subject == "Site visit planning" && !e.IsCancelled) ? 0 : 1);
        var held = new StateQueries(store).HeldEffects();
        var records = host.Crm.All(CrmActivityKind.Appointment).Count(a => a.LifeCycleStatusCode != "4")
            + host.Crm.All(CrmActivityKind.Visit).Count(a => a.LifeCycleStatusCode != "4");
        return new DemoResult(
            act.Name,
            rules,
            subjects.Count + 1,
            cycles,
            decisions,
            records,
            org.Messages.Count(m => m.Kind == MessageKind.Invitation),
            cancellations.Count(m => m.Subject == meant),
            cancellations.Count(m => m.Subject != meant),
            lost,
            held.Count,
            [.. held.Select(h => $"{h.Meeting}: {h.Description} in {h.Mailbox} (rule {h.Rule}; UID {h.MeetingKey})")],
            [.. notices.Select(n => n.Message)]);
    }

    /// <summary>
    /// The story's meetings from two days after <paramref name="now"/>: <paramref name="meetings"/> by Alice with Bob, Carol
    /// and the customer (in the CRM or her calendar, as the act says), and one by Dave with Alice. Returns Alice's subjects.
    /// </summary>
    public static IReadOnlyList<string> Schedule(EmulatorHost host, DemoAct act, int meetings, DateTimeOffset now)
    {
        var day = now.UtcDateTime.Date.AddDays(2);
        var subjects = new List<string>();
        for (var i = 0; i < meetings; i++)
        {
            var subject = $"Account review {i + 1}";
            var start = new DateTimeOffset(day.AddDays(i).AddHours(9 + (i % 3)), TimeSpan.Zero);
            if (act.FromCrm)
            {
                host.Crm.Add(CrmMeeting(subject, start));
            }
            else
            {
                host.Organization.ScheduleMeeting(DemoAct.Alice, new MeetingDraft(subject, start, start.AddHours(1), [DemoAct.Bob, DemoAct.Carol, DemoAct.Customer]));
            }

            subjects.Add(subject);
        }

        var daveStart = new DateTimeOffset(day.AddHours(15), TimeSpan.Zero);
        host.Organization.ScheduleMeeting(DemoAct.Dave, new MeetingDraft("Site visit planning", daveStart, daveStart.AddHours(1), [DemoAct.Alice]));
        return subjects;
    }

    /// <summary>An appointment created in the CRM by Alice with Bob, Carol and the customer, as C4C stores one.</summary>
    private static CrmActivityDraft CrmMeeting(string subject, DateTimeOffset start) =>
        new(CrmActivityKind.Appointment, subject, start, start.AddHours(1), "P-" + DemoAct.Alice, DemoAct.Alice, "P-" + DemoAct.Alice,
        [
            new CrmParty("P-" + DemoAct.Alice, CrmRoleCodes.Organizer, DemoAct.Alice),
            new CrmParty("P-" + DemoAct.Alice, CrmRoleCodes.Owner, DemoAct.Alice),
            new CrmParty("P-" + DemoAct.Bob, CrmRoleCodes.Attendee, DemoAct.Bob),
            new CrmParty("P-" + DemoAct.Carol, CrmRoleCodes.Attendee, DemoAct.Carol),
            new CrmParty("P-" + DemoAct.Customer, CrmRoleCodes.Contact, DemoAct.Customer),
        ]);

    /// <summary>The runner's options for one act: the act's tenant flags and sync order, a small organisation's guard limits, the emulators' endpoints.</summary>
    internal static RunnerOptions Options(DemoAct act, string rules, EmulatorHost host, string folder)
    {
        var retry = new RetryOptions { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2) };
        return new RunnerOptions
        {
            Tenant = "contoso-demo",
            Rules = rules,
            StateFile = "rulesync.db",
            BaseDirectory = folder,
            Sync = new SyncScheduleOptions { AutoShare = act.AutoShare, MaxParallelMailboxes = 1 },
            Mailboxes = [.. act.SyncOrder.Select(m => new MailboxOptions { Id = m, Provider = m is DemoAct.Carol or DemoAct.Dave ? Provider.Google : Provider.Exchange })],

            // A small organisation: more than two deletions or cancellations in one cycle, by one mailbox or by all, is a mass change.
            Guards = new GuardOptions { MaxDestructivePerMailbox = 2, MaxDestructivePerTenant = 2 },
        }.UseEmulators(host, act.Dialect, DemoAct.Domain, retry);
    }
}
