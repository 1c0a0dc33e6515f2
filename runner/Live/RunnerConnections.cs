using Microsoft.Extensions.Logging;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Sync;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Connectors;
using RulesSync.Runner.Connectors.Crm;
using RulesSync.Runner.Connectors.Google;
using RulesSync.Runner.Connectors.Graph;

namespace RulesSync.Runner.Live;

/// <summary>
/// The runner's connections: one CRM connection (its tenant-wide poll and every mailbox's writes), and Graph and
/// Google connections for the providers in use, each mailbox's connector created once and seeded with its
/// persisted state. Every endpoint, the emulators included, is signed in to with the configured app credentials
/// (Azure.Identity, Google.Apis.Auth). Thread-safe; dispose when done.
/// </summary>
internal sealed class RunnerConnections : IDisposable
{
    private readonly Dictionary<string, IMailboxPort> mailboxes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock gate = new();
    private readonly GraphConnection? graph;
    private readonly GoogleCalendarConnection? google;

    public RunnerConnections(RunnerOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        Crm = new ODataCrmConnection(options.Crm, time, loggers);
        Tenant = Crm.ForEmployee("tenant@" + options.Tenant);
        LiveIds = new CrmLiveIds(options.Crm.IdListingInterval);
        if (options.Mailboxes.Any(m => m.Provider == Provider.Exchange))
        {
            graph = new GraphConnection(options.Graph, time, loggers);
        }

        if (options.Mailboxes.Any(m => m.Provider == Provider.Google))
        {
            google = new GoogleCalendarConnection(options.Google, time, loggers);
        }
    }

    public ODataCrmConnection Crm { get; }

    /// <summary>The tenant's live CRM ids, listed ids-only at the configured interval.</summary>
    public CrmLiveIds LiveIds { get; }

    /// <summary>The connector the tenant-wide poll runs through (its own employee filter is not used).</summary>
    public ODataCrmConnector Tenant { get; }

    /// <summary>The mailbox's connector, created on first use and seeded with what its state knows.</summary>
    public IMailboxPort Mailbox(string id, Provider provider, MailboxSyncState state)
    {
        lock (gate)
        {
            if (mailboxes.TryGetValue(id, out var existing))
            {
                return existing;
            }

            var delivered = new DeliveredEvents();
            delivered.Seed(state);
            IMailboxPort port = provider == Provider.Exchange
                ? (graph ?? throw new InvalidOperationException("no Graph connection")).ForMailbox(id, delivered)
                : (google ?? throw new InvalidOperationException("no Google connection")).ForMailbox(id, delivered);
            mailboxes[id] = port;
            return port;
        }
    }

    public void Dispose()
    {
        Crm.Dispose();
        graph?.Dispose();
        google?.Dispose();
    }
}
