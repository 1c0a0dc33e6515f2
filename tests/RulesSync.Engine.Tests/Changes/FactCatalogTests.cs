using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RulesSync.Engine.Changes;

namespace RulesSync.Engine.Tests.Changes;

public class FactCatalogTests
{
    [Fact]
    public void SpaceSize_IsProductOfDomains()
    {
        var expected = 1;
        foreach (var fact in FactCatalog.All)
        {
            expected *= fact.Values.Length;
        }

        Assert.Equal(expected, FactCatalog.SpaceSize);
        Assert.True(FactCatalog.SpaceSize > 1000);
    }

    [Fact]
    public void Names_AreUniqueCamelCase()
    {
        var names = FactCatalog.All.Select(f => f.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, n => Assert.True(char.IsLower(n[0]), n));
    }

    [Fact]
    public void Values_UseRuleLanguageSpelling()
    {
        Assert.True(FactCatalog.TryGet("apiVersion", out var api));
        Assert.Equal(new[] { "v1", "v2" }, api.Values.ToArray());
        Assert.True(FactCatalog.TryGet("kind", out var kind));
        Assert.Contains("missing", kind.Values);
        Assert.False(FactCatalog.TryGet("Kind", out _));
    }

    [Property(MaxTest = 500)]
    public Property DecodeEncode_RoundTrips(NonNegativeInt seed)
    {
        var code = seed.Get % FactCatalog.SpaceSize;
        return (FactCatalog.Encode(FactCatalog.Decode(code)) == code).ToProperty();
    }

    [Fact]
    public void EnumerateSpace_VisitsEveryCombinationOnce()
    {
        var seen = new HashSet<ChangeFacts>(FactCatalog.EnumerateSpace());
        Assert.Equal(FactCatalog.SpaceSize, seen.Count);
    }

    [Fact]
    public void With_SetsOnlyThatFact()
    {
        Assert.True(FactCatalog.TryGet("role", out var role));
        Assert.True(role.TryParseValue("attendee", out var idx));
        var changed = role.With(ChangeFacts.Default, idx);
        Assert.Equal(Role.Attendee, changed.Role);
        Assert.Equal(ChangeFacts.Default with { Role = Role.Attendee }, changed);
    }
}
