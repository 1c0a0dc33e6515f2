using System.Diagnostics;
using System.Text.RegularExpressions;

namespace RulesSync.Runner.Tests.Cli;

/// <summary>
/// Every command on every bad input the suite knows: the exit code the contract gives (0 ok, 1 findings, 2 invalid
/// input), one readable error, and never a stack trace or a raw control character. Runs the CLI in-process; only
/// the pipe-from-a-shell and environment-secret cases start a process.
/// </summary>
public sealed partial class BadInputMatrixTests : IClassFixture<BadInputMatrixTests.Inputs>
{
    private const int Ok = 0;
    private const int Findings = 1;
    private const int Invalid = 2;

    private static readonly string[] Scope = ["--employees", "1", "--externals", "0", "--max-actions", "0", "--max-syncs", "1", "--runs", "1"];

    private readonly Inputs inputs;

    public BadInputMatrixTests(Inputs inputs) => this.inputs = inputs;

    /// <summary>The commands that take a rule file, each as argument lists around the rule file's path.</summary>
    public static TheoryData<string> RuleCommands => ["lint", "test", "explain", "table", "simulate", "check", "diff-old", "diff-new", "mutate", "run"];

    /// <summary>Rule-file inputs that are not usable at all: every command refuses them with exit 2.</summary>
    public static TheoryData<string> UnusableRuleFiles =>
    [
        "missing", "directory", "device", "fifo", "oversized", "malformed-yaml", "invalid-utf8", "schema", "sandbox",
        "literal-list", "literal-number", "literal-blank", "control-characters",
    ];

    public static TheoryData<string, string> UnusableRuleCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var command in RuleCommands)
        {
            foreach (var input in UnusableRuleFiles)
            {
                data.Add(command, input);
            }
        }

        return data;
    }

    /// <summary>A rule set that loads but leaves changes undecided (gap) or decides some twice under unique (overlap).</summary>
    public static TheoryData<string, string, int> UndecidableRuleCases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var input in new[] { "gap", "overlap" })
        {
            data.Add("lint", input, Findings);
            data.Add("test", input, Ok); // fixtures only: none fail
            data.Add("explain", input, Findings); // the change lies in the gap / the overlap: no decision
            data.Add("table", input, Ok);
            data.Add("simulate", input, Findings);
            data.Add("check", input, Findings);
            data.Add("diff-old", input, Findings);
            data.Add("diff-new", input, Findings);
            data.Add("mutate", input, Findings);
            data.Add("run", input, Invalid); // nothing may run with a rule set lint rejects
        }

        return data;
    }

    public static TheoryData<string, string> ConfigCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var command in new[] { "run", "status", "held" })
        {
            foreach (var input in new[]
            {
                "missing", "directory", "device", "fifo", "oversized", "malformed-yaml", "invalid-utf8", "unknown-key",
                "bad-number", "bad-enum", "malformed-google-key", "google-key-device",
            })
            {
                data.Add(command, input);
            }
        }

        return data;
    }

    public static TheoryData<string> ChangeCases =>
        ["missing", "directory", "device", "fifo", "oversized", "malformed-yaml", "invalid-utf8", "unknown-fact", "unknown-value", "control-characters"];

    [Theory]
    [MemberData(nameof(UnusableRuleCases))]
    public void RuleCommand_UnusableRuleFile_ExitsTwoWithoutStackTrace(string command, string input)
    {
        var run = RunRuleCommand(command, inputs.Rule(input));
        AssertClean(run, Invalid, $"{command} {input}");
        Assert.Contains("error", run.Error + run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(UndecidableRuleCases))]
    public void RuleCommand_UndecidableRuleSet_AnswersAsTheContractSays(string command, string input, int expected)
    {
        var run = RunRuleCommand(command, inputs.Rule(input));
        AssertClean(run, expected, $"{command} {input}");
        if (command is "simulate" or "check" or "diff-old" or "diff-new" or "mutate" or "run")
        {
            // Refused up front with lint's diagnostics, before any simulation or sync ran.
            Assert.Contains(input == "gap" ? "[RS0100]" : "[RS0101]", run.Error + run.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("scenarios", run.Out, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ConfigCases))]
    public void ConfigCommand_BadConfig_ExitsTwoWithoutStackTrace(string command, string input)
    {
        var run = CliRun.Of(command, "--config", inputs.Config(input));
        AssertClean(run, Invalid, $"{command} {input}");
        Assert.Contains("error", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-secret-", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ChangeCases))]
    public void Explain_BadChangeFile_ExitsTwoWithoutStackTrace(string input)
    {
        var run = CliRun.Of("explain", "embedded:default", "--change", inputs.Change(input));
        AssertClean(run, Invalid, $"explain --change {input}");
    }

    [Fact]
    public void Lint_InvalidUtf8_NamesLineAndColumn()
    {
        var run = CliRun.Of("lint", inputs.Rule("invalid-utf8"));
        Assert.Equal(Invalid, run.ExitCode);
        Assert.Contains(":3:8: error: invalid UTF-8 (byte 0xC3)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_ControlCharactersInRuleName_AreEchoedEscaped()
    {
        var run = CliRun.Of("lint", inputs.Rule("control-characters"));
        Assert.Contains(@"\e]0;owned\a", run.Out, StringComparison.Ordinal);
        Assert.Contains(@"\0", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_PipeFromShell_StopsAtTheCapAndExitsTwo()
    {
        // `lint <(yes)` and `yes | lint /dev/stdin`: an endless pipe is read to the cap + 1 byte, then refused.
        var (code, _, stderr) = Spawn(["-c", $"yes | dotnet '{CliPath}' lint /dev/stdin; echo \" rc=$?\" >&2; dotnet '{CliPath}' lint <(yes)"], []);
        Assert.Contains(" rc=2", stderr, StringComparison.Ordinal);
        Assert.Equal(Invalid, code);
        Assert.Contains("is larger than 1,048,576 bytes", stderr, StringComparison.Ordinal);
        AssertNoStackTrace(stderr);
    }

    [Fact]
    public void Run_MalformedGoogleSecretInEnvironment_ExitsTwoWithoutEchoingIt()
    {
        var (code, stdout, stderr) = Spawn(
            ["-c", $"dotnet '{CliPath}' run --once --config '{inputs.Config("google-mailbox")}'"],
            new Dictionary<string, string> { ["RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON"] = "{\"not-a-secret-\": 1}" });
        Assert.True(code == Invalid, stdout + stderr);
        Assert.Contains("RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-secret-", stdout + stderr, StringComparison.Ordinal);
        AssertNoStackTrace(stderr);
    }

    [Fact]
    public void Run_OversizedSecretInEnvironment_ExitsTwoNamingOnlyTheVariable()
    {
        var (code, stdout, stderr) = Spawn(
            ["-c", $"dotnet '{CliPath}' run --once --config '{inputs.Config("google-mailbox")}'"],
            new Dictionary<string, string> { ["RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON"] = new('x', 70_000) });
        Assert.True(code == Invalid, stdout + stderr);
        Assert.Contains("environment variable RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON is larger than", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("xxxxxxxx", stderr, StringComparison.Ordinal);
    }

    private static string CliPath => Path.Combine(Path.GetDirectoryName(typeof(RulesSync.Runner.Cli.RulesyncCli).Assembly.Location)!, "rulesync.dll");

    private CliRun RunRuleCommand(string command, string rules) => command switch
    {
        "explain" => CliRun.Of("explain", rules, "--change", inputs.Change("in-gap-and-overlap")),
        "simulate" => CliRun.Of(["simulate", rules, .. Scope]),
        "check" => CliRun.Of(["check", rules, .. Scope]),
        "diff-old" => CliRun.Of(["diff", rules, "embedded:default", .. Scope]),
        "diff-new" => CliRun.Of(["diff", "embedded:default", rules, .. Scope]),
        "mutate" => CliRun.Of(["mutate", rules, .. Scope]),
        "run" => CliRun.Of("run", "--once", "--config", inputs.ConfigWithRules(rules)),
        _ => CliRun.Of(command, rules),
    };

    private static void AssertClean(CliRun run, int expected, string what)
    {
        Assert.True(run.ExitCode == expected, $"{what}: exit {run.ExitCode}, expected {expected}\n{run.Error}\n{run.Out}");
        AssertNoStackTrace(run.Error);
        Assert.DoesNotContain('\x1b', run.Out + run.Error);
        Assert.DoesNotContain('\0', run.Out + run.Error);
        Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
    }

    private static void AssertNoStackTrace(string stderr)
    {
        Assert.DoesNotMatch(StackFrame(), stderr);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", stderr, StringComparison.Ordinal);
    }

    private static (int Code, string Out, string Error) Spawn(string[] bashArgs, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in bashArgs)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex StackFrame();

    /// <summary>The bad inputs, written once for the whole matrix. FIFOs get a fresh writer per use.</summary>
    public sealed class Inputs : IDisposable
    {
        private const string Header = "name: t\nhitPolicy: first\nrules:\n";
        private const string CatchAll = "  - name: all\n    when: {}\n    because: x\n    decide: ignore\n";
        private readonly TempFiles files = new();

        public Inputs()
        {
            Directory.CreateDirectory(Path.Combine(files.Folder, "a-directory"));
            using (var f = File.Create(Path.Combine(files.Folder, "oversized.yaml")))
            {
                f.SetLength((1024 * 1024) + 1);
            }

            files.Write("malformed.yaml", "name: [unclosed\nrules: {\n");
            File.WriteAllBytes(Path.Combine(files.Folder, "invalid-utf8.yaml"), [.. "name: t\nhitPolicy: first\nrules: [x]\n"u8.ToArray()[..^4], 0xC3, 0x28, (byte)']', (byte)'\n']);
            files.Write("schema.yaml", "name: t\nhitPolicy: sometimes\nrules: []\n");
            files.Write("sandbox.yaml", Header + "  - name: r\n    when: {}\n    expression: GetType().Assembly.FullName != null\n    because: x\n    decide: ignore\n");
            files.Write("literal-list.yaml", Header + "  - name: r\n    expression: kind == \"deleted, cancelled\"\n    because: x\n    decide: ignore\n" + CatchAll);
            files.Write("literal-number.yaml", Header + "  - name: r\n    expression: kind == \"5\"\n    because: x\n    decide: ignore\n" + CatchAll);
            files.Write("literal-blank.yaml", Header + "  - name: r\n    expression: kind == \" deleted\"\n    because: x\n    decide: ignore\n" + CatchAll);
            files.Write("control.yaml", "name: \"t\\e]0;owned\\a\\0\"\nhitPolicy: first\nrules:\n" + CatchAll);
            files.Write("gap.yaml", Header + "  - name: only-past\n    when: { timing: past }\n    because: x\n    decide: ignore\n");
            files.Write("overlap.yaml", "name: t\nhitPolicy: unique\nrules:\n" + CatchAll + "  - name: deleted\n    when: { kind: deleted }\n    because: x\n    decide: delete\n");
            files.Write("in-gap-and-overlap.yaml", "kind: deleted\ntiming: future\n");
            files.Write("unknown-fact.yaml", "knd: deleted\n");
            files.Write("unknown-value.yaml", "kind: \"deleted, cancelled\"\n");
            files.Write("control-change.yaml", "kind: \"\\edeleted\"\n");
            files.Write("bad-key.json", "{}");
            foreach (var (name, extra) in new[]
            {
                ("unknown-key", "colour: blue\n"),
                ("bad-number", "guards:\n  maxDestructivePerMailbox: lots\n"),
                ("bad-enum", "crm:\n  dialect: v9\n"),
            })
            {
                files.Write(name + ".rulesync.yaml", ConfigText("embedded:default") + extra);
            }

            files.Write("malformed-google-key.rulesync.yaml", GoogleConfig("serviceAccountKeyPath: " + Path.Combine(files.Folder, "bad-key.json")));
            files.Write("google-key-device.rulesync.yaml", GoogleConfig("serviceAccountKeyPath: /dev/zero"));
            files.Write("google-mailbox.rulesync.yaml", GoogleConfig(string.Empty));
        }

        public string Rule(string input) => input switch
        {
            "missing" => Path.Combine(files.Folder, "no-such-rules.yaml"),
            "directory" => Path.Combine(files.Folder, "a-directory"),
            "device" => "/dev/zero",
            "fifo" => Fifo(),
            "oversized" => Path.Combine(files.Folder, "oversized.yaml"),
            "malformed-yaml" => Path.Combine(files.Folder, "malformed.yaml"),
            "control-characters" => Path.Combine(files.Folder, "control.yaml"),
            _ => Path.Combine(files.Folder, input + ".yaml"),
        };

        public string Change(string input) => input switch
        {
            "control-characters" => Path.Combine(files.Folder, "control-change.yaml"),
            _ => Rule(input),
        };

        public string Config(string input) => input switch
        {
            "missing" or "directory" or "device" or "fifo" or "oversized" or "malformed-yaml" or "invalid-utf8" => Rule(input),
            _ => Path.Combine(files.Folder, input + ".rulesync.yaml"),
        };

        public string ConfigWithRules(string rules) => files.Write($"run-{Guid.NewGuid():N}.rulesync.yaml", ConfigText(rules));

        public void Dispose() => files.Dispose();

        private static string ConfigText(string rules) => $"""
            tenant: contoso
            rules: {rules}
            stateFile: state.db
            crm:
              serviceRoot: http://127.0.0.1:9/sap/c4c/odata/v1/c4codataapi
            graph:
              baseUrl: http://127.0.0.1:9/v1.0
              tenantId: 00000000-0000-0000-0000-0000000000aa
              clientId: 00000000-0000-0000-0000-0000000000bb
              clientSecret: not-a-secret-graph
            mailboxes:
              - id: alice@contoso.example
                provider: exchange

            """;

        private static string GoogleConfig(string keyLine) => $"""
            tenant: contoso
            rules: embedded:default
            stateFile: state.db
            crm:
              serviceRoot: http://127.0.0.1:9/sap/c4c/odata/v1/c4codataapi
            google:
              baseUri: https://calendar.example/calendar/v3/
              {keyLine}
            mailboxes:
              - id: carol@contoso.example
                provider: google

            """;

        /// <summary>A FIFO with a writer that pours 2 MiB into it (more than the cap) and gives up when the reader stops.</summary>
        private string Fifo()
        {
            var path = Path.Combine(files.Folder, $"fifo-{Guid.NewGuid():N}");
            using (var mkfifo = Process.Start("mkfifo", path))
            {
                mkfifo.WaitForExit();
            }

            _ = Task.Run(() =>
            {
                try
                {
                    using var writer = new FileStream(path, FileMode.Open, FileAccess.Write);
                    var chunk = new byte[64 * 1024];
                    Array.Fill(chunk, (byte)'a');
                    for (var i = 0; i < 32; i++)
                    {
                        writer.Write(chunk);
                    }
                }
                catch (IOException)
                {
                    // The reader stopped at the cap and closed its end.
                }
            });
            return path;
        }
    }
}
