using RulesSync.Runner.Cli;
using RulesSync.Runner.Demo;

namespace RulesSync.Runner.Tests.Demo;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Run_BothIncidentOrderings_DefaultIsCleanAndTheRegressionIsHeld()
    {
        using var output = new StringWriter();
        var exit = await DemoCommand.RunAsync(new CliConsole(output, output), OutputFormat.Json, meetings: 3, CancellationToken.None);

        var json = System.Text.Json.JsonDocument.Parse(output.ToString()).RootElement;
        Assert.Equal(0, exit);
        Assert.True(json.GetProperty("passed").GetBoolean());
        var results = json.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        Assert.All(results, r =>
        {
            Assert.Equal(0, r.GetProperty("spuriousCancellations").GetInt32());
            Assert.Equal(0, r.GetProperty("organizerEventsLost").GetInt32());
            Assert.True(r.GetProperty("meantCancellations").GetInt32() > 0, "the cancellation Alice meant reaches her attendees");
        });
        Assert.All(results.Where(r => r.GetProperty("rules").GetString() == DemoCommand.RegressionRules), r => Assert.True(r.GetProperty("heldEffects").GetInt32() > 0));
        Assert.All(results.Where(r => r.GetProperty("rules").GetString() == DemoCommand.DefaultRules), r =>
        {
            Assert.Equal(0, r.GetProperty("heldEffects").GetInt32());
            Assert.True(r.GetProperty("crmRecords").GetInt32() > 0);
        });
    }
}
