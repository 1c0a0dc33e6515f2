using System.Diagnostics;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Runner.Diagnostics;
using RulesSync.Runner.State;
using RulesSync.Runner.Tests.Cli;
using RulesSync.Runner.Tests.Connectors;
using Xunit.Abstractions;

namespace RulesSync.Runner.Tests.Live;

/// <summary>
/// Issue 5 §6, crash safety: the real <c>rulesync run --once</c> process, against the emulators, is SIGKILLed at
/// each numbered crash point (<see cref="CrashPoints"/>) a clean cycle passes, then restarted; after each, every
/// meeting has exactly one CRM record, every attendee exactly one copy, nobody got a cancellation, and no effect is
/// left planned. The restart is the same <c>rulesync run --once</c> through the CLI's entry point in this process
/// (<see cref="CliRun"/>): what it starts from is only what the killed process left in the state file and the
/// emulators, and a process start per crash point would double the test's cost (its CPU is mostly JIT).
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const string Alice = ConnectorTestHost.Alice;
    private const string Bob = ConnectorTestHost.Bob;
    private const string Carol = ConnectorTestHost.Carol;
    private const string External = ConnectorTestHost.External;

    [Fact]
    public async Task KilledAtEveryCrashPoint_RestartLosesDuplicatesAndCancelsNothing()
    {
        var clock = Stopwatch.StartNew();

        // The clean run: how many crash points one cycle over five meetings passes.
        int points;
        await using (var world = await World.StartAsync())
        {
            var log = Path.Combine(world.Files.Folder, "crash.log");
            var clean = await world.RunAsync(log: log);
            Assert.True(clean.ExitCode == 0, clean.Output);
            points = File.ReadAllLines(log).Length;
            output.WriteLine($"a clean cycle passes {points} crash points:");
            output.WriteLine(File.ReadAllText(log));
            world.UserChange();
            var next = world.Restart();
            Assert.True(next.ExitCode == 0, next.Out + next.Error);
            world.AssertConsistent();
        }

        // 44 since the default auto-shares only the organizer's copy (issue 10: an attendee's share could undo a CRM
        // user's deletion), so one cycle writes fewer records than before.
        Assert.True(points >= 40, $"only {points} crash points");

        // Every crash point, two worlds at a time (two cores): kill there, a user's change, restart, check.
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(1, points), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (k, _) =>
        {
            try
            {
                await CrashAtAsync(k);
            }
            catch (Exception e)
            {
                failures.Add($"crash point {k}: {e.Message}");
            }
        });

        output.WriteLine($"{points} crash points in {clock.Elapsed}");
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures.OrderBy(f => f, StringComparer.Ordinal)));
    }

    private static async Task CrashAtAsync(int k)
    {
        await using var world = await World.StartAsync();
        var log = Path.Combine(world.Files.Folder, "crash.log");
        var crashed = await world.RunAsync(crashAt: k, log: log);
        Assert.True(crashed.ExitCode == CrashPoints.ExitCode, $"expected a kill, exit {crashed.ExitCode}: {crashed.Output}");
        Assert.Equal(k, File.ReadAllLines(log).Length);

        // A user's change while the runner is down, then the restart (its one cycle settles everything).
        world.UserChange();
        var restart = await Task.Run(world.Restart);
        Assert.True(restart.ExitCode == 0, $"restart exited {restart.ExitCode}: {restart.Out}{restart.Error}");
        world.AssertConsistent();
    }

    /// <summary>Emulators on the real clock, a config and a state file in a temp folder, a few meetings.</summary>
    private sealed class World : IAsyncDisposable
    {
        private readonly List<(string Uid, string Organizer, string[] Employees)> meetings = [];

        private World(EmulatorHost host, TempFiles files)
        {
            Host = host;
            Files = files;
        }

        public EmulatorHost Host { get; }

        public TempFiles Files { get; }

        private string Config => Path.Combine(Files.Folder, "rulesync.yaml");

        public static async Task<World> StartAsync()
        {
            var host = await EmulatorHost.StartAsync(new EmulatorOptions());
            var files = new TempFiles();
            files.Write("rulesync.yaml", RunOnceProcess.Config(host, carolOnGoogle: true));
            var world = new World(host, files);
            var now = TimeProvider.System.GetUtcNow();
            world.Schedule(Alice, "Quarterly review", now.AddDays(1), Bob, Carol, External);
            world.Schedule(Bob, "Pipeline", now.AddDays(2), Alice, External);
            world.Schedule(Carol, "Offsite planning", now.AddDays(3), Alice, Bob);
            world.Schedule(Alice, "Customer call", now.AddDays(4), Carol, External);
            world.Schedule(Bob, "Follow-up", now.AddDays(5), Alice, Carol, External);
            return world;
        }

        /// <summary>A user's move between cycles: an attendee accepts, the organizer moves a meeting.</summary>
        public void UserChange()
        {
            Host.Organization.Respond(Bob, meetings[0].Uid, AttendeeResponse.Accepted);
            var now = TimeProvider.System.GetUtcNow();
            Host.Organization.Reschedule(Carol, meetings[2].Uid, now.AddDays(6), now.AddDays(6).AddHours(1));
        }

        public Task<(int ExitCode, string Output)> RunAsync(int? crashAt = null, string? log = null) =>
            RunOnceProcess.RunAsync(Config, new Dictionary<string, string?>
            {
                ["RULESYNC_CRASH_AT"] = crashAt?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RULESYNC_CRASH_LOG"] = log,
            });

        /// <summary>The restart: one cycle of <c>rulesync run --once</c> on the same config and state file, in process.</summary>
        public CliRun Restart() => CliRun.Of("run", "--config", Config, "--once");

        /// <summary>Nothing lost, duplicated or spuriously cancelled; no effect left planned.</summary>
        public void AssertConsistent()
        {
            var org = Host.Organization;
            Assert.DoesNotContain(org.Messages, m => m.Kind == MessageKind.Cancellation);
            var records = Host.Crm.All(CrmActivityKind.Appointment);
            foreach (var (uid, organizer, employees) in meetings)
            {
                var mine = records.Where(r => r.ICalUid == uid).ToList();
                Assert.True(mine.Count == 1, $"{uid}: {mine.Count} CRM records");
                Assert.NotEqual("4", mine[0].LifeCycleStatusCode); // not cancelled in the CRM
                var own = org.Find(organizer, uid);
                Assert.True(own is { IsCancelled: false }, $"{uid}: the organizer's event is gone or cancelled");
                foreach (var e in employees)
                {
                    var copies = org.Calendar(e).Count(c => c.ICalUid == uid);
                    Assert.True(copies == 1, $"{uid}: {e} has {copies} copies");
                    Assert.False(org.Find(e, uid)!.IsCancelled, $"{uid}: {e}'s copy is cancelled");
                }
            }

            Assert.Equal(5, meetings.Count);
            using var store = StateStore.Open(Path.Combine(Files.Folder, "state.db"), create: false);
            var stuck = store.Effects(EffectStatus.Planned).ToList();
            Assert.True(stuck.Count == 0, $"effects stuck planned: {string.Join(", ", stuck.Select(e => e.Description))}");
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            Files.Dispose();
        }

        private void Schedule(string organizer, string subject, DateTimeOffset start, params string[] attendees)
        {
            var m = Host.Organization.ScheduleMeeting(organizer, new MeetingDraft(subject, start, start.AddHours(1), attendees));
            meetings.Add((m.ICalUid, organizer, [organizer, .. attendees.Where(a => a != External)]));
        }
    }
}
