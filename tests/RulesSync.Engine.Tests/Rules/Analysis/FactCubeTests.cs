using RulesSync.Engine.Changes;
using RulesSync.Engine.Rules.Analysis;

namespace RulesSync.Engine.Tests.Rules.Analysis;

public class FactCubeTests
{
    private static FactCube Cube(params (string Fact, int[] Values)[] constrained) =>
        new([.. FactCatalog.All.Select(f =>
            constrained.FirstOrDefault(c => c.Fact == f.Name).Values is { } values
                ? values.Aggregate(0UL, (m, v) => m | (1UL << v))
                : (1UL << f.Values.Length) - 1)]);

    [Fact]
    public void Size_IsProductOfAllowedValueCounts()
    {
        Assert.Equal(FactCatalog.SpaceSize, Cube().Size);
        Assert.Equal(FactCatalog.SpaceSize / 2 / Enum.GetValues<ChangeKind>().Length * 2, Cube(("source", [1]), ("kind", [2, 5])).Size);
    }

    [Fact]
    public void ToString_NamesOnlyConstrainedFacts()
    {
        Assert.Equal("any change", Cube().ToString());
        Assert.Equal("source=crm, kind in [deleted, missing]", Cube(("source", [1]), ("kind", [2, 5])).ToString());
    }

    [Fact]
    public void Example_LiesInTheCube()
    {
        var example = Cube(("kind", [3, 4]), ("autoShare", [1])).Example;

        Assert.Equal(ChangeKind.Cancelled, example.Kind);
        Assert.True(example.AutoShare);
    }
}
