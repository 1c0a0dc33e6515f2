using Microsoft.Extensions.Time.Testing;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Tests.Tenant;

public sealed class ReadinessProbeTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(15);

    [Fact]
    public void Judge_RulesLoadedAndRecentCycle_IsReady()
    {
        var verdict = ReadinessProbe.Judge("abc123", Now.AddMinutes(-14).ToUnixTimeMilliseconds(), Now, Within);

        Assert.True(verdict.Ready);
        Assert.Empty(verdict.Problems);
    }

    [Fact]
    public void Judge_NoRuleSetRecorded_IsNotReadyAndSaysWhy()
    {
        var verdict = ReadinessProbe.Judge(null, Now.ToUnixTimeMilliseconds(), Now, Within);

        Assert.False(verdict.Ready);
        Assert.Equal(["rules: no rule set loaded yet"], verdict.Problems);
    }

    [Fact]
    public void Judge_NoCycleYet_IsNotReady()
    {
        var verdict = ReadinessProbe.Judge("abc123", null, Now, Within);

        Assert.Equal(["cycles: no cycle has run yet"], verdict.Problems);
    }

    [Fact]
    public void Judge_LastCycleOlderThanThePatience_IsNotReadyNamingTheAge()
    {
        var verdict = ReadinessProbe.Judge("abc123", Now.AddMinutes(-16).ToUnixTimeMilliseconds(), Now, Within);

        Assert.False(verdict.Ready);
        Assert.Equal(["cycles: the last cycle started 00:16:00 ago, longer than 00:15:00"], verdict.Problems);
    }

    [Fact]
    public void Check_StateFileUnreadable_IsNotReadyInsteadOfThrowing()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.Folder, "state.db");
        using var store = StateStore.Open(path, create: true);
        store.UpdateTenant(t =>
        {
            t.RuleSetHash = "abc123";
            t.LastCycleAt = Now.ToUnixTimeMilliseconds();
        });
        var probe = new ReadinessProbe(store, new FakeTimeProvider(Now), Within);
        Assert.True(probe.Check().Ready);

        // Shared mode opens the file per operation: a file clobbered under the runner is seen at the next read.
        File.WriteAllBytes(path, new byte[16384]);

        var verdict = probe.Check();
        Assert.False(verdict.Ready);
        Assert.StartsWith("state file: not open or unreadable", Assert.Single(verdict.Problems), StringComparison.Ordinal);
    }
}
