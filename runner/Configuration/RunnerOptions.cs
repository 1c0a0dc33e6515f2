using System.ComponentModel.DataAnnotations;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Connectors.Crm;
using RulesSync.Runner.Connectors.Google;
using RulesSync.Runner.Connectors.Graph;

namespace RulesSync.Runner.Configuration;

/// <summary>
/// Everything <c>rulesync.yaml</c> configures for one tenant's live runner (docs/runner.md, "Configuration").
/// Bound from the YAML file by <see cref="RunnerConfigurationLoader"/>; secrets may come from the environment
/// (RULESYNC_CRM_PASSWORD, RULESYNC_GRAPH_CLIENT_SECRET, RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON,
/// RULESYNC_OPERATOR_TOKEN) and are never logged.
/// </summary>
internal sealed class RunnerOptions
{
    /// <summary>Environment variable for <see cref="DashboardOptions.OperatorToken"/>.</summary>
    public const string OperatorTokenVariable = "RULESYNC_OPERATOR_TOKEN";

    /// <summary>The tenant this runner syncs (names the journal's rows and the notifications).</summary>
    [Required]
    public string Tenant { get; set; } = string.Empty;

    /// <summary>The live rule set: a path (relative to the config file) or <c>embedded:NAME</c>.</summary>
    [Required]
    public string Rules { get; set; } = "embedded:default";

    /// <summary>An optional candidate rule set run in shadow beside the live one; every difference is journaled.</summary>
    public string? ShadowRules { get; set; }

    /// <summary>
    /// The folder the runner writes to (relative to the config file): the state file lives here. Never the current
    /// directory by accident: a relative path is the config file's, and the folder is created on first run.
    /// </summary>
    [Required]
    public string DataFolder { get; set; } = DefaultDataFolder;

    /// <summary>The LiteDB state file (relative to <see cref="DataFolder"/>).</summary>
    [Required]
    public string StateFile { get; set; } = "rulesync.db";

    /// <summary>The data folder's default name, beside the config file (covered by the repository's .gitignore).</summary>
    public const string DefaultDataFolder = "rulesync-data";

    /// <summary>Sync cadence, window and tenant flags.</summary>
    public SyncScheduleOptions Sync { get; set; } = new();

    /// <summary>The CRM (OData V2, dialect v1 or v2) and its entity mapping.</summary>
    public ODataCrmOptions Crm { get; set; } = new();

    /// <summary>Microsoft Graph (Exchange mailboxes).</summary>
    public GraphConnectorOptions Graph { get; set; } = new();

    /// <summary>Google Calendar (Google mailboxes).</summary>
    public GoogleConnectorOptions Google { get; set; } = new();

    /// <summary>The mailboxes this runner syncs.</summary>
    public List<MailboxOptions> Mailboxes { get; set; } = [];

    /// <summary>The mass-change guard's thresholds.</summary>
    public GuardOptions Guards { get; set; } = new();

    /// <summary>Per-mailbox retries, backoff and auto-suspension.</summary>
    public BreakerOptions Breaker { get; set; } = new();

    /// <summary>Where operators are told about suspensions, held effects and rule reload failures.</summary>
    public NotificationOptions Notifications { get; set; } = new();

    /// <summary>The operator dashboard (issue 6).</summary>
    public DashboardOptions Dashboard { get; set; } = new();

    /// <summary>Push notifications (Graph subscriptions, Google channels) and their webhook receiver.</summary>
    public PushOptions Push { get; set; } = new();

    /// <summary>Cluster mode (issue 17): null runs the embedded single-process runner.</summary>
    public ClusterModeOptions? Cluster { get; set; }

    /// <summary>Logs, traces, metrics and the readiness probe (docs/runner.md, "Telemetry").</summary>
    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The directory relative paths are resolved against (the config file's); not bound.</summary>
    internal string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>The data folder's absolute path.</summary>
    public string DataPath => Path.GetFullPath(DataFolder, BaseDirectory);

    /// <summary>The state file's absolute path.</summary>
    public string StatePath => Path.GetFullPath(StateFile, DataPath);

    /// <summary>A rule file name resolved against the config file (embedded names unchanged).</summary>
    public string ResolveRules(string name) =>
        name.StartsWith(RuleFiles.RuleFileReader.EmbeddedPrefix, StringComparison.Ordinal) ? name : Path.GetFullPath(name, BaseDirectory);
}

/// <summary>Sync cadence and tenant flags.</summary>
internal sealed class SyncScheduleOptions
{
    /// <summary>Time between the starts of two cycles.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back meetings are in the sync window.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan WindowPast { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How far ahead meetings are in the sync window.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan WindowFuture { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Whether the tenant auto-shares meetings with the CRM (the incident's tenant flag).</summary>
    public bool AutoShare { get; set; } = true;

    /// <summary>How many mailboxes sync at once.</summary>
    [Range(1, 256)]
    public int MaxParallelMailboxes { get; set; } = 4;
}

/// <summary>One configured mailbox.</summary>
internal sealed class MailboxOptions
{
    /// <summary>The mailbox's address (the employee id).</summary>
    [Required]
    public string Id { get; set; } = string.Empty;

    /// <summary>exchange or google.</summary>
    public Provider Provider { get; set; } = Provider.Exchange;
}

/// <summary>
/// The mass-change guard: destructive effects (delete or cancel, in the CRM or a mailbox) one cycle may apply.
/// Beyond a limit they are held for review. A share applies only from <see cref="ShareMinimumMeetings"/> meetings
/// on, so a mailbox with two meetings can still cancel one.
/// </summary>
internal sealed class GuardOptions
{
    /// <summary>Destructive effects one mailbox may apply per cycle.</summary>
    [Range(0, int.MaxValue)]
    public int MaxDestructivePerMailbox { get; set; } = 10;

    /// <summary>Share of a mailbox's meetings one cycle may delete or cancel (0..1).</summary>
    [Range(0.0, 1.0)]
    public double MaxDestructiveSharePerMailbox { get; set; } = 0.25;

    /// <summary>Destructive effects the whole tenant may apply per cycle.</summary>
    [Range(0, int.MaxValue)]
    public int MaxDestructivePerTenant { get; set; } = 100;

    /// <summary>Share of the tenant's meetings one cycle may delete or cancel (0..1).</summary>
    [Range(0.0, 1.0)]
    public double MaxDestructiveSharePerTenant { get; set; } = 0.1;

    /// <summary>Shares are checked only when the mailbox (or tenant) knows at least this many meetings.</summary>
    [Range(1, int.MaxValue)]
    public int ShareMinimumMeetings { get; set; } = 20;
}

/// <summary>Per-mailbox resilience: retries within a cycle, backoff across cycles, auto-suspension.</summary>
internal sealed class BreakerOptions
{
    /// <summary>Consecutive failed cycles after which the mailbox is suspended automatically.</summary>
    [Range(1, 1000)]
    public int FailuresBeforeSuspend { get; set; } = 5;

    /// <summary>Retries of a mailbox's sync within one cycle on a transient error.</summary>
    [Range(0, 10)]
    public int RetryAttempts { get; set; } = 2;

    /// <summary>The first in-cycle retry delay; doubles per retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After a failed cycle the mailbox is skipped for this long, doubling per consecutive failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest skip between attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Operator notifications.</summary>
internal sealed class NotificationOptions
{
    /// <summary>A webhook that receives a JSON POST per notification (none: the log only).</summary>
    public Uri? WebhookUrl { get; set; }
}

/// <summary>The operator dashboard's binding (served by issue 6's dashboard).</summary>
internal sealed class DashboardOptions
{
    /// <summary>
    /// Address and port (<c>127.0.0.1:0</c> picks a free port; read it back from the server's addresses). Loopback by
    /// default: the page and the read API need no token, so anything wider exposes the tenant's sync state to whoever
    /// can reach the port.
    /// </summary>
    public string Bind { get; set; } = "127.0.0.1:8787";

    /// <summary>
    /// The token operators present (<c>Authorization: Bearer TOKEN</c>) to suspend, resume, approve or discard. A
    /// secret: prefer RULESYNC_OPERATOR_TOKEN; never logged. Null or empty: the dashboard is read-only (403).
    /// </summary>
    public string? OperatorToken { get; set; }
}
