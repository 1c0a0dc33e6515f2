using System.Reflection;
using RulesSync.Runner.Connectors;

namespace RulesSync.Runner.Tests.Connectors;

/// <summary>Conventions across runner/Connectors, checked by reflection.</summary>
public sealed class ConnectorConsistencyTests
{
    private static readonly Type[] ConnectorTypes = typeof(DeliveredEvents).Assembly.GetTypes()
        .Where(t => t.Namespace?.StartsWith("RulesSync.Runner.Connectors", StringComparison.Ordinal) == true && !t.IsNested && !t.Name.StartsWith('<'))
        .ToArray();

    [Fact]
    public void PublicClasses_AreSealedOrAbstract()
    {
        var open = ConnectorTypes.Where(t => t.IsPublic && t.IsClass && !t.IsSealed && !t.IsAbstract).Select(t => t.FullName);

        Assert.Empty(open);
    }

    [Fact]
    public void ConnectorOperations_AreAsyncAndTakeACancellationToken()
    {
        var operations = ConnectorTypes
            .Where(t => t.Name.EndsWith("Connector", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsSpecialName)
            .ToList();

        Assert.True(operations.Count >= 20, $"found {operations.Count} connector operations");
        Assert.All(operations, m =>
        {
            Assert.True(typeof(Task).IsAssignableFrom(m.ReturnType) || typeof(ValueTask).IsAssignableFrom(m.ReturnType) || (m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>)), $"{m.DeclaringType!.Name}.{m.Name} is not async");
            Assert.Equal(typeof(CancellationToken), m.GetParameters()[^1].ParameterType);
        });
    }

    [Fact]
    public void OptionsRecords_HideEverySecretInToString()
    {
        var withSecrets = new object[]
        {
            new Runner.Connectors.Graph.GraphConnectorOptions { ClientSecret = "s1-secret", CertificatePassword = "s2-secret" },
            new Runner.Connectors.Google.GoogleConnectorOptions { ServiceAccountKeyJson = "s3-secret" },
            new Runner.Connectors.Crm.ODataCrmOptions { Password = "s4-secret" },
        };

        Assert.All(withSecrets, o => Assert.DoesNotContain("-secret", o.ToString(), StringComparison.Ordinal));
    }
}
