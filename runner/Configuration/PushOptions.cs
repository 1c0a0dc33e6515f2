using System.ComponentModel.DataAnnotations;

namespace RulesSync.Runner.Configuration;

/// <summary>
/// The <c>push:</c> section of <c>rulesync.yaml</c>: change notifications from Graph (subscriptions) and Google
/// (watch channels) received by a webhook listener inside <c>rulesync run</c>. A notification schedules that
/// mailbox's sync (debounced); the poll interval stays as the safety net for anything a provider drops.
/// </summary>
internal sealed class PushOptions
{
    /// <summary>Off by default: polling only.</summary>
    public bool Enabled { get; set; }

    /// <summary>Address and port the receiver listens on; loopback by default (a reverse proxy publishes it).</summary>
    public string Bind { get; set; } = "127.0.0.1:8788";

    /// <summary>
    /// The URL the providers reach the receiver at (behind the proxy), e.g. <c>https://sync.example.com/push</c>;
    /// Graph and Google deliver only to HTTPS. Required when enabled. A loopback URL with port 0 (e.g.
    /// <c>http://127.0.0.1:0/push</c>, for the emulators) means the receiver's own address once it bound its port.
    /// </summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>A PKCS#12 certificate (relative to the config file): the receiver then serves HTTPS itself.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The certificate's password (a secret: never logged).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>How long after a notification the mailbox's sync starts: bursts of notifications make one sync.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan Debounce { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Lifetime asked for a Graph subscription or Google channel. 4,230 minutes was Graph's limit for Outlook
    /// events until the subscription reference raised it to 10,080 minutes (see docs/emulators.md): valid under both.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(4230);

    /// <summary>Renew (Graph: PATCH; Google: a new channel) this long before expiry.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "2.00:00:00")]
    public TimeSpan RenewBefore { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the subscriptions are checked for renewal and failed ones retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Notifications handled per second, forged ones included (a token bucket): beyond it the receiver answers 429
    /// without looking further, so a flood never turns into work.
    /// </summary>
    [Range(1, 100_000)]
    public int NotificationsPerSecond { get; set; } = 50;

    /// <summary>
    /// The safety-net poll while push is healthy: a mailbox whose subscription is live and has had no trouble
    /// (Graph <c>missed</c> or <c>subscriptionRemoved</c>, expiry, a failed create or renewal) for this long is polled
    /// this often instead of every <c>sync.interval</c>; any other mailbox keeps the normal interval. Changes made
    /// in the CRM are read by every cycle, so with push healthy they wait for the next notification-driven cycle or
    /// this poll: lower it when CRM-side edits must arrive sooner.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan SafetyNetInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Delete every subscription and stop every channel at a graceful shutdown (e.g. before retiring the runner). Off
    /// by default: they stay in the state file and a restart reuses them; the next start stops any a changed
    /// configuration no longer wants.
    /// </summary>
    public bool UnsubscribeOnShutdown { get; set; }

    /// <summary>The listener's URL for Kestrel (<c>https://</c> when a certificate is configured).</summary>
    public string ListenUrl => (CertificatePath is null ? "http://" : "https://") + Bind;
}
