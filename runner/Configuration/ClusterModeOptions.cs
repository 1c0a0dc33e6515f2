namespace RulesSync.Runner.Configuration;

/// <summary>
/// The <c>cluster:</c> section of <c>rulesync.yaml</c> (issue 17): with it, <c>rulesync run</c> is an Orleans silo of
/// the cluster whose membership, reminders and tenant state live in PostgreSQL; without it the embedded single-process
/// runner over the LiteDB file runs, unchanged. The connection string is a secret: from
/// <c>RULESYNC_CLUSTER_CONNECTION_STRING</c> (which wins) or the file, never logged or printed.
/// </summary>
internal sealed class ClusterModeOptions
{
    /// <summary>Environment variable for <see cref="ConnectionString"/>.</summary>
    public const string ConnectionStringVariable = "RULESYNC_CLUSTER_CONNECTION_STRING";

    /// <summary>The PostgreSQL database of the cluster (Npgsql connection string).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Silos with the same cluster id form one cluster.</summary>
    public string ClusterId { get; set; } = "rulesync";

    /// <summary>The address other silos reach this one at.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// A folder (relative to the config file) of more tenants' configs, one <c>*.yaml</c> each with its own rules,
    /// guards, mailboxes, connections and operator token (<see cref="ClusterTenants"/>); every silo of the cluster
    /// must be given the same set. Null: the cluster serves this config's tenant only.
    /// </summary>
    public string? Tenants { get; set; }

    /// <summary>
    /// Whether each tenant's mailboxes sync in mailbox grains spread over the silos, ordered by the tenant grain each
    /// cycle (the default); false keeps every mailbox of a tenant in its tenant grain's activation.
    /// </summary>
    public bool MailboxGrains { get; set; } = true;

    /// <summary>
    /// Connections this silo opens to the cluster database at most, for all its tenants together (a fifth, 2 to 8, kept
    /// for meeting leases so renewals never wait behind journal writes). Size PostgreSQL's <c>max_connections</c> above
    /// silos × this + the operators' and Orleans' own few.
    /// </summary>
    public int MaxConnections { get; set; } = Cluster.ClusterConnections.DefaultMaxConnections;
}
