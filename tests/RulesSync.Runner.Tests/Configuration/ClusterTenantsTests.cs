using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Tests.Configuration;

public sealed class ClusterTenantsTests
{
    [Fact]
    public void Load_TenantsFolder_TheSilosTenantThenEachFileWithItsOwnSuffixedSecrets()
    {
        using var files = new TempFiles();
        Directory.CreateDirectory(Path.Combine(files.Folder, "tenants"));
        files.Write("tenants/fabrikam.yaml", Tenant("fabrikam", secretInFile: false));
        files.Write("tenants/north-wind.yaml", Tenant("northwind", secretInFile: false));
        var silo = RunnerConfigurationLoader.Load(files.Write("silo.yaml", Silo("tenants")), _ => null);
        var environment = new Dictionary<string, string>
        {
            ["RULESYNC_GRAPH_CLIENT_SECRET__FABRIKAM"] = "f-secret",
            ["RULESYNC_GRAPH_CLIENT_SECRET__NORTH_WIND"] = "n-secret",
            ["RULESYNC_OPERATOR_TOKEN__FABRIKAM"] = "f-token",
            ["RULESYNC_OPERATOR_TOKEN"] = "the silo's own tenant's token only",
        };

        var tenants = ClusterTenants.Load(silo, name => environment.GetValueOrDefault(name));

        Assert.Equal(["contoso", "fabrikam", "northwind"], tenants.Select(t => t.Tenant));
        Assert.Equal("f-token", tenants[1].Dashboard.OperatorToken);
        Assert.Null(tenants[2].Dashboard.OperatorToken);
        Assert.Equal("n-secret", tenants[2].Graph.ClientSecret);
    }

    [Fact]
    public void Load_TenantConfiguredTwice_RefusedNamingTheFile()
    {
        using var files = new TempFiles();
        Directory.CreateDirectory(Path.Combine(files.Folder, "tenants"));
        files.Write("tenants/a.yaml", Tenant("contoso", secretInFile: true));
        var silo = RunnerConfigurationLoader.Load(files.Write("silo.yaml", Silo("tenants")), _ => null);

        var e = Assert.Throws<ConfigurationException>(() => ClusterTenants.Load(silo, _ => null));

        Assert.Contains("tenant 'contoso' is configured twice", e.Message, StringComparison.Ordinal);
        Assert.Contains("a.yaml", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFolderOrATenantFileWithItsOwnClusterSection_Refused()
    {
        using var files = new TempFiles();
        Directory.CreateDirectory(Path.Combine(files.Folder, "tenants"));
        var missing = RunnerConfigurationLoader.Load(files.Write("silo.yaml", Silo("nowhere")), _ => null);
        files.Write("tenants/rogue.yaml", Tenant("rogue", secretInFile: true, "cluster:\n  connectionString: Host=x"));
        var rogue = RunnerConfigurationLoader.Load(files.Write("silo2.yaml", Silo("tenants")), _ => null);

        Assert.Contains("does not exist", Assert.Throws<ConfigurationException>(() => ClusterTenants.Load(missing, _ => null)).Message, StringComparison.Ordinal);
        Assert.Contains("rogue.yaml:1:1: error: a tenant file takes the silo's cluster section", Assert.Throws<ConfigurationException>(() => ClusterTenants.Load(rogue, _ => null)).Message, StringComparison.Ordinal);
    }

    private static string Tenant(string name, bool secretInFile, string extra = "") => $"""
        tenant: {name}
        rules: embedded:default
        crm:
          serviceRoot: http://127.0.0.1:9/crm/
        graph:
          tenantId: t
          clientId: c
          {(secretInFile ? "clientSecret: s" : string.Empty)}
        mailboxes:
          - id: alice@{name}.example
            provider: exchange
        {extra}
        """;

    private static string Silo(string tenants) => Tenant("contoso", secretInFile: true, $"cluster:\n  connectionString: Host=127.0.0.1;Database=x\n  tenants: {tenants}");
}
