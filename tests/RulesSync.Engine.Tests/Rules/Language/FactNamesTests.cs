using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Engine.Tests.Rules.Language;

public class FactNamesTests
{
    [Theory]
    [InlineData("rol", "; did you mean 'role'?")]
    [InlineData("autoshare", "; did you mean 'autoShare'?")]
    [InlineData("ownRecord", "; did you mean 'ownsRecord'?")]
    [InlineData("weather", "")]
    public void DidYouMean_SuggestsOnlyCloseNames(string name, string expected)
    {
        Assert.Equal(expected, FactNames.DidYouMean(name, FactCatalog.All.Select(f => f.Name)));
    }

    [Fact]
    public void Property_EveryFact_HasAChangeFactsProperty()
    {
        foreach (var fact in FactCatalog.All)
        {
            var property = FactNames.Property(fact);
            Assert.Equal(fact.ClrType, property.PropertyType);
            Assert.Equal(fact.Name, property.Name, ignoreCase: true);
        }
    }
}
