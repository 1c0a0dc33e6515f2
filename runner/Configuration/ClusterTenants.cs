using System.Text;

namespace RulesSync.Runner.Configuration;

/// <summary>
/// The tenants a silo serves: its own config's tenant, then one per <c>*.yaml</c> in <c>cluster.tenants</c> (by file
/// name). Each tenant file is a whole <c>rulesync.yaml</c> without a <c>cluster:</c> section (the silo's is used);
/// its secrets come from the file or from the usual variables suffixed with <c>__</c> and the file's name in capitals
/// (<c>tenants/fabrikam.yaml</c>: <c>RULESYNC_OPERATOR_TOKEN__FABRIKAM</c>), so no tenant takes another's secret.
/// Problems are <see cref="ConfigurationException"/> (exit 2), nothing applied.
/// </summary>
internal static class ClusterTenants
{
    /// <summary>Every tenant of the silo's config, the config's own first; names are unique.</summary>
    public static IReadOnlyList<RunnerOptions> Load(RunnerOptions silo, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        environment ??= Environment.GetEnvironmentVariable;
        var all = new List<(RunnerOptions Options, string Source)> { (silo, "the silo's config") };
        if (silo.Cluster?.Tenants is { Length: > 0 } folder)
        {
            var path = Path.GetFullPath(folder, silo.BaseDirectory);
            if (!Directory.Exists(path))
            {
                throw new ConfigurationException($"cluster:tenants: error: the tenants folder {path} does not exist");
            }

            foreach (var file in Directory.GetFiles(path, "*.yaml").Order(StringComparer.Ordinal))
            {
                var suffix = "__" + VariableSuffix(Path.GetFileNameWithoutExtension(file));
                var tenant = RunnerConfigurationLoader.Load(file, name => environment(name + suffix));
                if (tenant.Cluster is not null)
                {
                    throw new ConfigurationException($"{file}:1:1: error: a tenant file takes the silo's cluster section: remove its cluster:");
                }

                all.Add((tenant, file));
            }
        }

        var twice = all.GroupBy(t => t.Options.Tenant, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new ConfigurationException($"cluster:tenants: error: tenant '{twice.Key}' is configured twice ({string.Join(", ", twice.Select(t => t.Source))})");
        }

        return [.. all.Select(t => t.Options)];
    }

    /// <summary>The variables' suffix for a tenant file: its name in capitals, anything but letters and digits as '_'.</summary>
    public static string VariableSuffix(string fileName)
    {
        var suffix = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
        {
            suffix.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return suffix.ToString();
    }
}
