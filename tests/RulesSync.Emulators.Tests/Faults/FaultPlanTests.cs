using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Emulators.Faults;

namespace RulesSync.Emulators.Tests.Faults;

public sealed class FaultPlanTests
{
    /// <summary>A rule window and how many matching requests arrive.</summary>
    public sealed record FaultWindow(int FromNth, int? Times, int Requests);

    public static class Arbitraries
    {
        public static Arbitrary<FaultWindow> Windows() =>
            (from first in Gen.Choose(1, 10)
             from times in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(1, 5).Select(n => (int?)n))
             from requests in Gen.Choose(0, 30)
             select new FaultWindow(first, times, requests)).ToArbitrary();
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(Arbitraries)])]
    public bool Next_AnyWindow_FiresExactlyOnTheWindow(FaultWindow window)
    {
        var plan = new FaultPlan().Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "r", FromNth = window.FromNth, Times = window.Times });

        var fired = Enumerable.Range(1, window.Requests).Where(_ => plan.Next("r", null) is not null).ToList();

        var expected = Enumerable.Range(1, window.Requests)
            .Where(n => n >= window.FromNth && (window.Times is null || n < window.FromNth + window.Times))
            .ToList();
        return fired.SequenceEqual(expected);
    }

    [Fact]
    public void Next_RouteWildcardAndMailbox_MatchOnlyThose()
    {
        var plan = new FaultPlan().Add(new FaultRule { Kind = FaultKind.Throttle, Route = "graph.*", Mailbox = "bob@contoso.example", Times = null });

        Assert.Null(plan.Next("google.events.list", "bob@contoso.example"));
        Assert.Null(plan.Next("graph.events.get", "alice@contoso.example"));
        Assert.NotNull(plan.Next("graph.events.get", "BOB@contoso.example"));
        Assert.NotNull(plan.Next("graph.calendarView.delta", "bob@contoso.example"));
    }

    [Fact]
    public void Next_TwoRules_FirstAddedWinsAndBothCount()
    {
        var plan = new FaultPlan()
            .Add(new FaultRule { Kind = FaultKind.Throttle, Route = "r", FromNth = 2 })
            .Add(new FaultRule { Kind = FaultKind.Unavailable, Route = "r", FromNth = 1, Times = 2 });

        Assert.Equal(
            [FaultKind.Unavailable, FaultKind.Throttle, null],
            Enumerable.Range(0, 3).Select(_ => plan.Next("r", null)?.Kind));
    }

    [Fact]
    public void Clear_RemovesEveryRule()
    {
        var plan = new FaultPlan().Add(new FaultRule { Kind = FaultKind.Throttle, Times = null });

        plan.Clear();

        Assert.Null(plan.Next("any", null));
    }
}
