using System.Reflection;
using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Google;
using RulesSync.Emulators.Graph;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Tests;

/// <summary>Conventions across the emulators project, checked by reflection (as NodaTime's ConsistencyTest).</summary>
public sealed class ConsistencyTests
{
    private static readonly Assembly Emulators = typeof(EmulatorHost).Assembly;

    private static string RepoRoot => typeof(ConsistencyTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    public static TheoryData<FaultKind> AnsweringKinds =>
        [FaultKind.Throttle, FaultKind.RateLimitForbidden, FaultKind.Unavailable, FaultKind.Timeout, FaultKind.ExpiredToken];

    [Fact]
    public void PublicTypes_AreSealedStaticOrEnums()
    {
        var open = Emulators.GetExportedTypes()
            .Where(t => t is { IsEnum: false, IsInterface: false } && !(t.IsAbstract && t.IsSealed) && !t.IsSealed)
            .Select(t => t.FullName);

        Assert.Empty(open);
    }

    [Fact]
    public void PublicTypes_LiveInTheirFeatureNamespace()
    {
        var stray = Emulators.GetExportedTypes().Where(t => t.Namespace is null || !t.Namespace.StartsWith("RulesSync.Emulators.", StringComparison.Ordinal)).Select(t => t.FullName);

        Assert.Empty(stray);
    }

    [Theory]
    [MemberData(nameof(AnsweringKinds))]
    public void FaultResponse_EveryProtocol_AnswersInItsOwnShapeNot500(FaultKind kind)
    {
        var options = new EmulatorOptions();
        var world = new CalendarWorld(options.Organization, TimeProvider.System, 1);
        using var identity = new RulesSync.Emulators.Identity.EmulatedIdentity(1, TimeProvider.System, TimeSpan.FromHours(1));
        IProtocolEmulator[] protocols =
        [
            new GraphEmulator(world, options, () => throw new InvalidOperationException(), null),
            new GoogleCalendarEmulator(world, options, null),
            new RulesSync.Emulators.Identity.IdentityEmulator(identity, world),
            new ODataEmulator(new CrmStore(TimeProvider.System, 1), options),
        ];
        var request = new EmulatorRequest("GET", "/", new Dictionary<string, string>(), new Dictionary<string, string>(), null, new Uri("http://127.0.0.1/"));

        foreach (var protocol in protocols)
        {
            var response = protocol.FaultResponse(new FaultRule { Kind = kind }, request);
            Assert.NotEqual(500, response.Status);
            Assert.Contains("error", response.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FaultKinds_AreAllDocumented()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot, "docs", "emulators.md"));

        Assert.All(Enum.GetNames<FaultKind>(), name => Assert.Contains($"`{name}`", doc, StringComparison.Ordinal));
    }
}
