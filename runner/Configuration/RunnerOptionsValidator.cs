using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using RulesSync.Engine.Changes;

namespace RulesSync.Runner.Configuration;

/// <summary>
/// Validates <see cref="RunnerOptions"/>: the data annotations of every settings class (walked with their
/// configuration keys, so each failure names the key it is about: <c>sync:interval: ...</c>) and the rules that
/// span settings (unique mailboxes, endpoints for the providers in use, a token for a non-loopback dashboard).
/// </summary>
internal sealed class RunnerOptionsValidator : IValidateOptions<RunnerOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Annotations(options, string.Empty, failures);
        Annotations(options.Sync, "sync", failures);
        Annotations(options.Guards, "guards", failures);
        Annotations(options.Breaker, "breaker", failures);
        for (var i = 0; i < options.Mailboxes.Count; i++)
        {
            Annotations(options.Mailboxes[i], $"mailboxes:{i}", failures);
        }

        if (options.Mailboxes.Count == 0)
        {
            failures.Add("mailboxes: at least one mailbox must be configured");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Mailboxes.Count; i++)
        {
            var id = options.Mailboxes[i].Id;
            if (id.Length > 0 && !id.Contains('@', StringComparison.Ordinal))
            {
                failures.Add($"mailboxes:{i}:id: '{id}' is not a mailbox address");
            }
            else if (id.Length > 0 && !seen.Add(id))
            {
                failures.Add($"mailboxes:{i}:id: mailbox '{id}' is configured twice");
            }
        }

        if (options.Crm.ServiceRoot is not { IsAbsoluteUri: true } root || (root.Scheme != Uri.UriSchemeHttps && root.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add("crm:serviceRoot: the CRM's OData service root (an http(s) URL) is required");
        }

        if (options.Mailboxes.Any(m => m.Provider == Provider.Exchange) && !Uri.TryCreate(options.Graph.BaseUrl, UriKind.Absolute, out var graph))
        {
            failures.Add($"graph:baseUrl: '{options.Graph.BaseUrl}' is not an absolute URL");
        }
        else if (options.Mailboxes.Any(m => m.Provider == Provider.Exchange)
            && (string.IsNullOrEmpty(options.Graph.TenantId) || string.IsNullOrEmpty(options.Graph.ClientId)
                || (string.IsNullOrEmpty(options.Graph.ClientSecret) && string.IsNullOrEmpty(options.Graph.CertificatePath))))
        {
            failures.Add("graph: Exchange mailboxes need graph tenantId, clientId and a client secret (RULESYNC_GRAPH_CLIENT_SECRET) or certificate");
        }

        if (options.Mailboxes.Any(m => m.Provider == Provider.Google) && !Uri.TryCreate(options.Google.BaseUri, UriKind.Absolute, out _))
        {
            failures.Add($"google:baseUri: '{options.Google.BaseUri}' is not an absolute URL");
        }
        else if (options.Mailboxes.Any(m => m.Provider == Provider.Google)
            && string.IsNullOrEmpty(options.Google.ServiceAccountKeyJson) && string.IsNullOrEmpty(options.Google.ServiceAccountKeyPath))
        {
            failures.Add("google: Google mailboxes need a service account key (RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON or serviceAccountKeyPath)");
        }

        if (options.Notifications.WebhookUrl is { } hook && (!hook.IsAbsoluteUri || (hook.Scheme != Uri.UriSchemeHttps && hook.Scheme != Uri.UriSchemeHttp)))
        {
            failures.Add($"notifications:webhookUrl: '{hook}' is not an http(s) URL");
        }

        // Port 0 picks a free port; the runner logs the address it got ("Operator dashboard on ...").
        if (!IPEndPoint.TryParse(options.Dashboard.Bind, out var bind) || (bind.Port == 0 && !options.Dashboard.Bind.EndsWith(":0", StringComparison.Ordinal)))
        {
            failures.Add($"dashboard:bind: '{options.Dashboard.Bind}' is not ADDRESS:PORT");
        }
        else if (!IPAddress.IsLoopback(bind.Address) && string.IsNullOrEmpty(options.Dashboard.OperatorToken))
        {
            failures.Add($"dashboard:bind: binding {options.Dashboard.Bind} beyond loopback needs an operator token ({RunnerOptions.OperatorTokenVariable})");
        }

        if (options.Cluster is { } cluster)
        {
            if (string.IsNullOrWhiteSpace(cluster.ConnectionString))
            {
                failures.Add($"cluster:connectionString: the cluster's PostgreSQL database is not set (set {ClusterModeOptions.ConnectionStringVariable}, or cluster:connectionString)");
            }

            if (!System.Net.IPAddress.TryParse(cluster.AdvertisedAddress, out _))
            {
                failures.Add($"cluster:advertisedAddress: '{cluster.AdvertisedAddress}' is not an IP address");
            }

            if (cluster.MaxConnections < Cluster.ClusterConnections.FewestConnections)
            {
                failures.Add($"cluster:maxConnections: {cluster.MaxConnections} is too few (at least {Cluster.ClusterConnections.FewestConnections}: two for meeting leases, two for the state)");
            }

            foreach (var (setting, port) in new[] { ("siloPort", cluster.SiloPort), ("gatewayPort", cluster.GatewayPort) })
            {
                if (port is < 1 or > 65535)
                {
                    failures.Add($"cluster:{setting}: {port} is not a port (1-65535)");
                }
            }
        }

        if (options.Push.Enabled)
        {
            Annotations(options.Push, "push", failures);
            if (!IPEndPoint.TryParse(options.Push.Bind, out _))
            {
                failures.Add($"push:bind: '{options.Push.Bind}' is not ADDRESS:PORT");
            }

            if (options.Push.PublicUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && !url.IsLoopback))
            {
                failures.Add($"push:publicUrl: '{options.Push.PublicUrl}' must be the https URL the providers reach the receiver at (http only on loopback, for the emulators)");
            }

            if (options.Push.CertificatePath is { } certificate && !File.Exists(certificate))
            {
                failures.Add($"push:certificatePath: '{certificate}' does not exist");
            }
        }

        Annotations(options.Telemetry, "telemetry", failures);
        if (options.Telemetry.Otlp.Endpoint is { } otlp && (!otlp.IsAbsoluteUri || (otlp.Scheme != Uri.UriSchemeHttps && otlp.Scheme != Uri.UriSchemeHttp)))
        {
            failures.Add($"telemetry:otlp:endpoint: '{otlp}' is not an http(s) URL");
        }

        if (options.Telemetry.ReadyWithin is { } within && within < options.Sync.Interval)
        {
            failures.Add($"telemetry:readyWithin: {within} is shorter than sync:interval ({options.Sync.Interval}): the runner would be unready between cycles");
        }

        if (options.Breaker.BackoffMax < options.Breaker.BackoffBase)
        {
            failures.Add("breaker:backoffMax: must not be shorter than breaker:backoffBase");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Annotations(object settings, string prefix, List<string> failures)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true);
        foreach (var r in results)
        {
            foreach (var member in r.MemberNames.DefaultIfEmpty(string.Empty))
            {
                var key = member.Length == 0 ? prefix : prefix.Length == 0 ? Camel(member) : $"{prefix}:{Camel(member)}";
                failures.Add($"{key}: {r.ErrorMessage}");
            }
        }
    }

    private static string Camel(string name) => char.ToLower(name[0], CultureInfo.InvariantCulture) + name[1..];
}
