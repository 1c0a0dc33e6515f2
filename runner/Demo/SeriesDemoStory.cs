using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Recurrence;

namespace RulesSync.Runner.Demo;

/// <summary>One occurrence of the demo's series at the end of the story: what Alice did to it and what the CRM holds.</summary>
/// <param name="Number">1-based position in the series.</param>
/// <param name="OriginalStart">Its original start (its key, with the series UID).</param>
/// <param name="Action">What Alice did to it: <c>kept</c>, <c>moved</c>, <c>cancelled</c> or <c>ended</c>.</param>
/// <param name="Calendar">How Alice's calendar shows it at the end.</param>
/// <param name="Record">Its CRM record: <c>open</c>, <c>cancelled</c> (with the time it shows) or <c>none</c>.</param>
/// <param name="Cancellations">Cancellations people received for it.</param>
internal sealed record SeriesDemoOccurrence(int Number, DateTimeOffset OriginalStart, string Action, string Calendar, string Record, int Cancellations);

/// <summary>What the series story did: the occurrences, and whether each record followed its own occurrence only.</summary>
internal sealed record SeriesDemoResult(IReadOnlyList<SeriesDemoOccurrence> Occurrences, int Cycles, int Decisions, int HeldEffects, int SpuriousCancellations)
{
    /// <summary>Kept and moved occurrences keep an open record; the cancelled and the ended one have theirs cancelled; nothing else was cancelled.</summary>
    public bool Expected => HeldEffects == 0 && SpuriousCancellations == 0 && Occurrences.All(o => o.Action switch
    {
        "kept" or "moved" => o.Record.StartsWith("open", StringComparison.Ordinal),
        _ => o.Record.StartsWith("cancelled", StringComparison.Ordinal),
    });
}

/// <summary>
/// The demo's recurring-meeting story (issue 12), with the default rules: Alice schedules a weekly pipeline review with
/// Bob (Exchange) and Carol (Google), four occurrences; the runner shares one CRM record per occurrence. Then Alice
/// cancels the second occurrence and moves the third; later she ends the series before the fourth. Each change must
/// reach exactly its own occurrence's record: the cancelled and the ended occurrence's records are cancelled, the
/// moved one's record moves, the first stays as it was, and the sync itself sends no cancellation.
/// </summary>
internal static class SeriesDemoStory
{
    public const string Subject = "Weekly pipeline review";

    /// <summary>Auto-share on, API v2, the organizer syncs first.</summary>
    public static DemoAct Act { get; } = new("series: a weekly meeting, one occurrence cancelled, one moved, then the series ended", ApiVersion.V2, true, [DemoAct.Alice, DemoAct.Bob, DemoAct.Carol, DemoAct.Dave], FromCrm: false);

    /// <summary>The story runs the shipped default.</summary>
    public const string Rules = "embedded:default";

    public static async Task<SeriesDemoResult> RunAsync(string folder, TextWriter? log, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        log?.WriteLine("  starting the emulators and the runner...");
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Seed = 2020, TimeProvider = time }, cancellationToken).ConfigureAwait(false);
        using var live = await DemoRunner.StartAsync(Act, Rules, host, folder, time, cancellationToken).ConfigureAwait(false);
        var org = host.Organization;
        var first = new DateTimeOffset(time.GetUtcNow().UtcDateTime.Date.AddDays(2).AddHours(8), TimeSpan.Zero);
        var series = org.ScheduleSeries(DemoAct.Alice, new MeetingDraft(Subject, first, first.AddHours(1), [DemoAct.Bob, DemoAct.Carol]), "FREQ=WEEKLY;COUNT=4", "Europe/Berlin");
        var originals = org.Occurrences(DemoAct.Alice, series.ICalUid).Select(o => o.OriginalStart!.Value).ToList();
        log?.WriteLine($"  Alice schedules \"{Subject}\" weekly, {originals.Count} occurrences, with Bob (Exchange) and Carol (Google)");

        var cycles = 0;
        var decisions = 0;
        async Task CyclesAsync(string when, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var report = await live.Runner.RunCycleAsync(cancellationToken).ConfigureAwait(false);
                cycles++;
                decisions += report.Decisions;
                log?.WriteLine($"  cycle {cycles} ({when}): {report.Synced} mailboxes synced, {report.Decisions} decisions, {report.Held} effects held{(report.Failed > 0 ? $", {report.Failed} FAILED" : string.Empty)}");
            }
        }

        await CyclesAsync("after scheduling", 2).ConfigureAwait(false);
        org.CancelOccurrence(DemoAct.Alice, series.ICalUid, originals[1]);
        org.MoveOccurrence(DemoAct.Alice, series.ICalUid, originals[2], originals[2].AddHours(2), originals[2].AddHours(3));
        log?.WriteLine("  Alice cancels occurrence 2 and moves occurrence 3 two hours later");
        await CyclesAsync("after one cancelled, one moved", 2).ConfigureAwait(false);
        org.EndSeries(DemoAct.Alice, series.ICalUid, originals[3]);
        log?.WriteLine("  Alice ends the series before occurrence 4");
        await CyclesAsync("after the series ended", 2).ConfigureAwait(false);

        var records = host.Crm.All(CrmActivityKind.Appointment);
        var cancellations = org.Messages.Where(m => m.Kind == MessageKind.Cancellation).ToList();
        var alice = org.Calendar(DemoAct.Alice);
        string[] actions = ["kept", "cancelled", "moved", "ended"];
        var occurrences = new List<SeriesDemoOccurrence>();
        for (var i = 0; i < originals.Count; i++)
        {
            var key = new OccurrenceId(new(series.ICalUid), originals[i], false).ToString();
            var ev = alice.FirstOrDefault(e => e.SeriesMasterId is not null && e.OriginalStart == originals[i]);
            var record = records.Where(r => r.ICalUid == key).ToList();
            var shown = record.Count switch
            {
                0 => "none",
                1 => $"{(record[0].LifeCycleStatusCode == "4" ? "cancelled" : "open")} {record[0].Start:ddd MM-dd HH:mm}",
                _ => $"{record.Count} records",
            };
            var calendar = ev is null ? "gone" : ev.IsCancelled ? "cancelled" : $"{ev.Start:ddd MM-dd HH:mm}";

            // Only the second occurrence was cancelled by anyone; every cancellation sent counts against it, and any
            // beyond its two attendees' is counted as spurious below.
            occurrences.Add(new SeriesDemoOccurrence(i + 1, originals[i], actions[i], calendar, shown, i == 1 ? cancellations.Count : 0));
        }

        // Alice's own cancellation of occurrence 2 notifies Bob and Carol once each; anything beyond is a cancellation nobody meant.
        var spurious = Math.Max(0, cancellations.Count - 2);
        var held = new State.StateQueries(live.Store).HeldEffects().Count;
        return new SeriesDemoResult(occurrences, cycles, decisions, held, spurious);
    }

    /// <summary>The story's table: one line per occurrence.</summary>
    public static void Print(TextWriter o, SeriesDemoResult r)
    {
        o.WriteLine($"series story (default rules): {r.Cycles} cycles, {r.Decisions} decisions, {r.HeldEffects} held, {r.SpuriousCancellations} spurious cancellations");
        o.WriteLine($"{"occurrence",10} {"original start",-16} {"Alice did",-10} {"Alice's calendar",-17} {"CRM record",-26} {"cancellations",13}");
        foreach (var x in r.Occurrences)
        {
            o.WriteLine($"{x.Number,10} {x.OriginalStart,-16:ddd MM-dd HH:mm} {x.Action,-10} {x.Calendar,-17} {x.Record,-26} {x.Cancellations,13}");
        }

        o.WriteLine("  one CRM record per occurrence (C4C has no recurring appointment); each change reaches its own occurrence's record only.");
        o.WriteLine();
    }
}
