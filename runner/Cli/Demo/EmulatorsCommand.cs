using System.CommandLine;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Cli;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors.Resilience;
using RulesSync.Runner.Demo;

namespace RulesSync.Runner.Cli.Demo;

/// <summary>How <c>rulesync emulators</c> seeds its organisation.</summary>
/// <param name="Mailboxes">Null for the demo's four people and story; else this many generated mailboxes.</param>
internal sealed record EmulatorSeed(int? Mailboxes)
{
    public const int MaxMailboxes = 500;

    public static EmulatorSeed Demo { get; } = new((int?)null);

    public override string ToString() => Mailboxes is { } n ? $"{n} mailboxes" : "demo";

    /// <summary>"demo" or a mailbox count from 1 to <see cref="MaxMailboxes"/>; null when neither.</summary>
    public static EmulatorSeed? Parse(string text) =>
        text.Equals("demo", StringComparison.OrdinalIgnoreCase) ? Demo
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxMailboxes ? new EmulatorSeed(n)
        : null;
}

/// <summary>What <c>rulesync emulators</c> started: the host, and the config file written for it.</summary>
internal sealed record EmulatorSetup(EmulatorHost Host, string ConfigPath, RunnerOptions Options, int Meetings);

/// <summary>
/// <c>rulesync emulators [--seed demo|N] [--port P] [--folder DIR] [--rules RULES] [--dashboard-port P]</c>: hosts the
/// Graph, Google Calendar and CRM OData emulators on 127.0.0.1 with a seeded organisation, writes a ready
/// <c>rulesync.yaml</c> for them into DIR (endpoints through <see cref="EmulatorEndpoints"/>, the state in DIR's data
/// folder, a fresh operator token for the dashboard) and runs until Ctrl-C or SIGTERM. The operator's first hour
/// (docs/runner.md, "Try it on the emulators") starts here.
/// </summary>
internal static class EmulatorsCommand
{
    public const string DefaultFolder = "rulesync-emulators";
    public const int DefaultPort = 5090;

    /// <summary>The line printed once everything is ready (tests and scripts wait for it).</summary>
    public const string ReadyLine = "ready: press Ctrl-C to stop the emulators";

    public static Command Create(CliConsole console)
    {
        var seed = new Option<string>("--seed") { Description = "demo (Alice, Bob, Carol, Dave and the 2020-02 story's meetings) or a number of mailboxes (1-500).", DefaultValueFactory = _ => "demo" };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: any free port).", DefaultValueFactory = _ => DefaultPort };
        var folder = new Option<string>("--folder") { Description = "Where rulesync.yaml and the runner's data folder go.", DefaultValueFactory = _ => DefaultFolder };
        var rules = new Option<string>("--rules") { Description = "The rule set written into rulesync.yaml (e.g. embedded:regressions/2020-02-ordering to see the guard hold effects).", DefaultValueFactory = _ => DemoCommand.DefaultRules };
        var dashboardPort = new Option<int>("--dashboard-port") { Description = "The dashboard's port written into rulesync.yaml (0: any free port).", DefaultValueFactory = _ => 8787 };
        var command = new Command("emulators", "Host the Graph, Google and CRM emulators with a seeded organisation and write a ready rulesync.yaml for them (until Ctrl-C).")
        {
            seed, port, folder, rules, dashboardPort,
        };
        command.SetAction(async (parse, ct) =>
        {
            var parsedSeed = EmulatorSeed.Parse(parse.GetValue(seed)!)
                ?? throw new InvalidInputException($"error: --seed: '{parse.GetValue(seed)}' is neither 'demo' nor a number of mailboxes from 1 to {EmulatorSeed.MaxMailboxes}");
            foreach (var (name, value) in new[] { ("--port", parse.GetValue(port)), ("--dashboard-port", parse.GetValue(dashboardPort)) })
            {
                if (value is < 0 or > 65535)
                {
                    throw new InvalidInputException($"error: {name}: {value} is not a port (0 to 65535)");
                }
            }

            var setup = await StartAsync(
                parsedSeed, parse.GetValue(port), Path.GetFullPath(parse.GetValue(folder)!), parse.GetValue(rules)!, parse.GetValue(dashboardPort), ct).ConfigureAwait(false);
            await using var host = setup.Host;
            Print(console.Out, setup, parsedSeed);

            // Ctrl-C and SIGTERM (a service manager, a test) end the wait; the host then stops and the command exits 0.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            void Stop(PosixSignalContext signal)
            {
                signal.Cancel = true;
                stop.Cancel();
            }

            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                console.Out.WriteLine("emulators stopped");
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }

    /// <summary>Starts the emulators, seeds them and writes <c>rulesync.yaml</c> into <paramref name="folder"/>; the caller disposes the host.</summary>
    internal static async Task<EmulatorSetup> StartAsync(EmulatorSeed seed, int port, string folder, string rules, int dashboardPort, CancellationToken cancellationToken)
    {
        EmulatorHost host;
        try
        {
            host = await EmulatorHost.StartAsync(
                new EmulatorOptions
                {
                    Port = port,
                    Seed = 2020,
                    Organization = seed.Mailboxes is { } n ? OrganizationSeed.Generate(n - (n / 2), n / 2, DemoAct.Domain) : OrganizationSeed.Default,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"error: cannot listen on 127.0.0.1:{port}: {e.Message} (choose another --port)");
        }

        try
        {
            var act = DemoAct.Incidents[0];
            int meetings;
            RunnerOptions options;
            if (seed.Mailboxes is null)
            {
                meetings = DemoStory.Schedule(host, act, 4, TimeProvider.System.GetUtcNow()).Count + 1;
                options = DemoStory.Options(act, rules, host, folder);
            }
            else
            {
                meetings = ScheduleRing(host, TimeProvider.System.GetUtcNow());
                options = new RunnerOptions
                {
                    Rules = rules,
                    Mailboxes = [.. host.Organization.Employees.Select(e => new MailboxOptions { Id = e.Email, Provider = e.Provider == CalendarProvider.Google ? Provider.Google : Provider.Exchange })],
                }.UseEmulators(host, ApiVersion.V2, DemoAct.Domain, new RetryOptions { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2) });
            }

            options.Tenant = "contoso-emulated";
            options.BaseDirectory = folder;
            options.Sync.Interval = TimeSpan.FromSeconds(15);
            options.Breaker = new BreakerOptions { BackoffBase = TimeSpan.FromSeconds(15), BackoffMax = TimeSpan.FromMinutes(2) };
            options.Dashboard = new DashboardOptions { Bind = $"127.0.0.1:{dashboardPort}", OperatorToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) };
            Directory.CreateDirectory(folder);
            var config = Path.Combine(folder, "rulesync.yaml");
            await File.WriteAllTextAsync(config, RunnerConfigurationWriter.Write(options,
            [
                $"rulesync.yaml for the emulators on {host.BaseUri} (written by 'rulesync emulators'; valid while they run).",
                "The operator token below is this setup's only: real tenants keep it in RULESYNC_OPERATOR_TOKEN.",
            ]), cancellationToken).ConfigureAwait(false);

            // What was written must load as the runner will load it: a broken file is this command's bug, not the operator's.
            var loaded = RunnerConfigurationLoader.Load(config, _ => null);
            return new EmulatorSetup(host, config, loaded, meetings);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Each generated employee organizes one meeting with the next one (a ring), on the coming days.</summary>
    private static int ScheduleRing(EmulatorHost host, DateTimeOffset now)
    {
        var people = host.Organization.Employees;
        var day = now.UtcDateTime.Date.AddDays(2);
        for (var i = 0; i < people.Count; i++)
        {
            var start = new DateTimeOffset(day.AddDays(i % 10).AddHours(9 + (i % 8)), TimeSpan.Zero);
            var attendees = people.Count > 1 ? new[] { people[(i + 1) % people.Count].Email, DemoAct.Customer } : [DemoAct.Customer];
            host.Organization.ScheduleMeeting(people[i].Email, new MeetingDraft($"Customer call {i + 1}", start, start.AddMinutes(30), attendees));
        }

        return people.Count;
    }

    private static void Print(TextWriter o, EmulatorSetup setup, EmulatorSeed seed)
    {
        var config = Path.GetRelativePath(Directory.GetCurrentDirectory(), setup.ConfigPath);
        o.WriteLine($"emulators on {setup.Host.BaseUri} (127.0.0.1 only): Microsoft Graph {setup.Host.GraphBaseUrl}, Google Calendar {setup.Host.GoogleBaseUri}calendar/v3/, CRM OData {setup.Options.Crm.ServiceRoot}");
        o.WriteLine($"organisation ({seed}): {setup.Options.Mailboxes.Count} mailboxes ({string.Join(", ", setup.Options.Mailboxes.Take(6).Select(m => $"{m.Id} on {m.Provider.ToString().ToLowerInvariant()}"))}{(setup.Options.Mailboxes.Count > 6 ? ", ..." : string.Empty)}), {setup.Meetings} meetings scheduled");
        o.WriteLine($"wrote {config} (rules {setup.Options.Rules}; state in {Path.GetRelativePath(Directory.GetCurrentDirectory(), setup.Options.DataPath)}; dashboard on http://{setup.Options.Dashboard.Bind}/ with the operator token in the file)");
        o.WriteLine("next, in another terminal (docs/runner.md, \"Try it on the emulators\"):");
        o.WriteLine($"  rulesync run --config {config}");
        o.WriteLine($"  rulesync status --config {config}");
        o.WriteLine($"  rulesync held --config {config}");
        o.WriteLine(ReadyLine);
        o.Flush();
    }
}
