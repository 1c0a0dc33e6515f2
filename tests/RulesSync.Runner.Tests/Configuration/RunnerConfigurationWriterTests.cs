using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Tests.Configuration;

public sealed class RunnerConfigurationWriterTests
{
    [Fact]
    public void Write_Options_ReadsBackToTheSameSettings()
    {
        var options = new RunnerOptions
        {
            Tenant = "fabrikam \"east\"",
            Rules = "embedded:regressions/2020-02-ordering",
            DataFolder = "state here",
            Sync = new SyncScheduleOptions { Interval = TimeSpan.FromSeconds(15), AutoShare = false, MaxParallelMailboxes = 2 },
            Crm = new() { ServiceRoot = new Uri("http://127.0.0.1:5090/sap/c4c/odata/v1/c4codata/"), Dialect = ApiVersion.V1, EmployeeDomains = ["fabrikam.example"], Retry = new() { MaxAttempts = 3 } },
            Graph = new() { BaseUrl = "http://127.0.0.1:5090/v1.0", EmployeeDomains = ["fabrikam.example"], TenantId = "t1", ClientId = "c1", ClientSecret = "s3cret" },
            Mailboxes = [new MailboxOptions { Id = "ana@fabrikam.example" }, new MailboxOptions { Id = "ben@fabrikam.example", Provider = Provider.Google }],
            Google = new() { BaseUri = "http://127.0.0.1:5090/calendar/v3/", ServiceAccountKeyPath = "/dev/null" },
            Guards = new GuardOptions { MaxDestructivePerMailbox = 2, MaxDestructiveSharePerMailbox = 0.5 },
            Dashboard = new DashboardOptions { Bind = "127.0.0.1:0", OperatorToken = "t0ken" },
        };

        var text = RunnerConfigurationWriter.Write(options, ["written by a test"]);
        var key = RunnerConfigurationLoaderTests.ServiceAccountKey(); // the loader checks the key up front
        var read = RunnerConfigurationLoader.Parse("rulesync.yaml", text, "/srv/rulesync", name => name == "RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON" ? key : null);

        Assert.StartsWith("# written by a test\n", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(options.Tenant, read.Tenant);
        Assert.Equal(options.Rules, read.Rules);
        Assert.Equal(Path.GetFullPath("/srv/rulesync/state here/rulesync.db"), read.StatePath);
        Assert.Equal(TimeSpan.FromSeconds(15), read.Sync.Interval);
        Assert.False(read.Sync.AutoShare);
        Assert.Equal(2, read.Sync.MaxParallelMailboxes);
        Assert.Equal(options.Crm.ServiceRoot, read.Crm.ServiceRoot);
        Assert.Equal(ApiVersion.V1, read.Crm.Dialect);
        Assert.Equal(3, read.Crm.Retry.MaxAttempts);
        Assert.Equal(options.Graph.BaseUrl, read.Graph.BaseUrl);
        Assert.Equal(("t1", "c1", "s3cret"), (read.Graph.TenantId, read.Graph.ClientId, read.Graph.ClientSecret));
        Assert.Equal([Provider.Exchange, Provider.Google], read.Mailboxes.Select(m => m.Provider));
        Assert.Equal(0.5, read.Guards.MaxDestructiveSharePerMailbox);
        Assert.Equal("127.0.0.1:0", read.Dashboard.Bind);
        Assert.Equal("t0ken", read.Dashboard.OperatorToken);
    }
}
