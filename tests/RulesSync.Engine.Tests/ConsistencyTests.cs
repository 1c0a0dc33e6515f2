using System.Reflection;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;

namespace RulesSync.Engine.Tests;

/// <summary>Conventions enforced across the engine by reflection (in the spirit of NodaTime's ConsistencyTest).</summary>
public class ConsistencyTests
{
    private static readonly Assembly Engine = typeof(ChangeFacts).Assembly;

    private static bool IsRecord(Type t) => t.GetMethod("<Clone>$") is not null || (t.IsValueType && t.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null);

    [Fact]
    public void EffectTypes_AreSealedRecordsOrAbstract()
    {
        var effects = Engine.GetTypes().Where(t => typeof(Effect).IsAssignableFrom(t)).ToList();
        Assert.Contains(typeof(Effect), effects);
        Assert.All(effects, t =>
        {
            Assert.True(IsRecord(t), $"{t.Name} must be a record");
            Assert.True(t.IsSealed || t.IsAbstract, $"{t.Name} must be sealed (or abstract)");
        });
    }

    [Fact]
    public void PublicClasses_AreSealedStaticOrAbstract()
    {
        var open = Engine.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsSealed && !t.IsAbstract && !typeof(Delegate).IsAssignableFrom(t))
            .Select(t => t.FullName)
            .ToList();
        Assert.Empty(open);
    }

    [Fact]
    public void PublicRecordsAndValues_HaveNoPublicSetters()
    {
        var mutable = Engine.GetExportedTypes()
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(p => p.SetMethod is { IsPublic: true } set && !set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)))
                .Select(p => $"{t.Name}.{p.Name}"))
            .ToList();
        Assert.Empty(mutable);
    }

    [Fact]
    public void FactEnums_NumberMembersInDeclarationOrder()
    {
        // The compiled rule set tests enum facts with bit masks indexed by the member's value.
        foreach (var fact in FactCatalog.All.Where(f => f.ClrType.IsEnum))
        {
            var values = Enum.GetValuesAsUnderlyingType(fact.ClrType).Cast<object>().Select(Convert.ToInt32).ToArray();
            Assert.Equal(Enumerable.Range(0, values.Length), values);
        }
    }
}
