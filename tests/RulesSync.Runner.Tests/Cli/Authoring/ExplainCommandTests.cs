using System.Text.Json;
using RulesSync.Runner.Tests.Cli;

namespace RulesSync.Runner.Tests.Cli.Authoring;

public class ExplainCommandTests
{
    [Fact]
    public void Explain_CrmCancellationSeenByOrganizer_ChoosesCancelAndShowsConditions()
    {
        using var temp = new TempFiles();
        var change = temp.Write("change.yaml", "source: crm\nkind: cancelled\nrole: organizer\nlink: this\n");
        var run = CliRun.Of("explain", "embedded:default", "--change", change);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("decision: cancel mailbox by rule crm-cancel-cancels-meeting", run.Out, StringComparison.Ordinal);
        Assert.Contains("[failed] timing = past (actual timing=future)", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_Table_ExplainsItsMarkersBeforeTheRules()
    {
        using var temp = new TempFiles();
        var change = temp.Write("change.yaml", "source: crm\nkind: cancelled\nrole: organizer\nlink: this\n");
        var lines = CliRun.Of("explain", "embedded:default", "--change", change).Out.Split('\n');

        var legend = Array.FindIndex(lines, l => l.Contains("'=>' chose the decision, '+' matched but was not chosen, '-' did not match", StringComparison.Ordinal));
        var firstRule = Array.FindIndex(lines, l => l.StartsWith(" -", StringComparison.Ordinal) || l.StartsWith("=>", StringComparison.Ordinal));
        Assert.InRange(legend, 0, firstRule - 1);
    }

    [Fact]
    public void Explain_Json_ListsEveryRuleConsidered()
    {
        using var temp = new TempFiles();
        var change = temp.Write("change.json", """{"role": "attendee", "kind": "deleted", "link": "this"}""");
        var run = CliRun.Of("explain", "embedded:default", "--change", change, "--format", "json");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("attendee-removal-stays-personal", doc.RootElement.GetProperty("decision").GetProperty("rule").GetString());
        var chosen = doc.RootElement.GetProperty("rules").EnumerateArray().Where(r => r.GetProperty("chosen").GetBoolean()).ToList();
        Assert.Single(chosen);
    }

    [Fact]
    public void Explain_UnknownFactInChange_ExitsTwoWithLocation()
    {
        using var temp = new TempFiles();
        var change = temp.Write("change.yaml", "source: crm\nrol: organizer\n");
        var run = CliRun.Of("explain", "embedded:default", "--change", change);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{change}:2:1: error:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_WithoutChange_ExitsTwo()
    {
        var run = CliRun.Of("explain", "embedded:default");
        Assert.Equal(2, run.ExitCode);
    }
}
