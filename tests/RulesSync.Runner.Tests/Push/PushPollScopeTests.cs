using RulesSync.Engine.Changes;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.Push;

namespace RulesSync.Runner.Tests.Push;

public sealed class PushPollScopeTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan SafetyNet = TimeSpan.FromHours(1);
    private static readonly string[] Mailboxes = ["a@contoso.example", "b@contoso.example", "c@contoso.example"];

    [Fact]
    public void Decide_NoFullPollYet_EveryMailbox()
    {
        Assert.Null(PushPollScope.Decide(Now, null, SafetyNet, Mailboxes, Live, _ => null));
    }

    [Fact]
    public void Decide_SafetyNetIntervalPassed_EveryMailbox()
    {
        Assert.Null(PushPollScope.Decide(Now, Now - SafetyNet, SafetyNet, Mailboxes, Live, _ => null));
    }

    [Fact]
    public void Decide_AllWatchedWithinTheSafetyNet_NoMailbox()
    {
        Assert.Empty(PushPollScope.Decide(Now, Now - TimeSpan.FromMinutes(55), SafetyNet, Mailboxes, Live, _ => null)!);
    }

    [Fact]
    public void Decide_MissingOrExpiredSubscription_ThoseMailboxesPolled()
    {
        PushTarget? Target(string m) => m switch
        {
            "a@contoso.example" => null,
            "b@contoso.example" => new PushTarget("s-b", m, Provider.Exchange, "h", Now),
            _ => Live(m),
        };

        var scope = PushPollScope.Decide(Now, Now - TimeSpan.FromMinutes(5), SafetyNet, Mailboxes, Target, _ => null);

        Assert.Equal(new HashSet<string>(["a@contoso.example", "b@contoso.example"]), scope);
    }

    [Fact]
    public void Decide_TroubleWithinTheSafetyNet_PolledUntilItIsThatOld()
    {
        DateTimeOffset? Trouble(string m) => m == "c@contoso.example" ? Now - TimeSpan.FromMinutes(59) : null;
        DateTimeOffset? OldTrouble(string m) => m == "c@contoso.example" ? Now - SafetyNet : null;

        Assert.Equal(["c@contoso.example"], PushPollScope.Decide(Now, Now - TimeSpan.FromMinutes(5), SafetyNet, Mailboxes, Live, Trouble)!);
        Assert.Empty(PushPollScope.Decide(Now, Now - TimeSpan.FromMinutes(5), SafetyNet, Mailboxes, Live, OldTrouble)!);
    }

    [Fact]
    public void MailboxesToPoll_FullPollRemembered_NextFullOneSafetyNetLater()
    {
        var registry = new PushRegistry();
        var runner = new RunnerOptions { Mailboxes = [new MailboxOptions { Id = "a@contoso.example", Provider = Provider.Exchange }] };
        registry.Add(new PushTarget("s-a", "a@contoso.example", Provider.Exchange, "h", Now.AddDays(2)));
        var scope = new PushPollScope(new PushOptions { SafetyNetInterval = SafetyNet }, runner, registry);

        Assert.Null(scope.MailboxesToPoll(Now));
        Assert.Empty(scope.MailboxesToPoll(Now + TimeSpan.FromMinutes(30))!);
        Assert.Null(scope.MailboxesToPoll(Now + SafetyNet));
        Assert.Empty(scope.MailboxesToPoll(Now + SafetyNet + TimeSpan.FromMinutes(5))!);
    }

    private static PushTarget? Live(string mailbox) => new("s-" + mailbox, mailbox, Provider.Exchange, "h", Now.AddDays(2));
}
