using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using RulesSync.Runner.Cluster;
using RulesSync.Runner.State;

namespace RulesSync.Runner.Tests.Cluster;

public sealed class ClusterHostingTests
{
    private static Serializer Serializer(bool ours)
    {
        var services = new ServiceCollection();
        services.AddSerializer();
        if (ours)
        {
            ClusterHosting.SerializeOwnExceptions(services);
        }

        return services.BuildServiceProvider().GetRequiredService<Serializer>();
    }

    public static TheoryData<Exception> Failures => new()
    {
        new NpgsqlException("Failed to connect to 127.0.0.1:5432"),
        new StateFileException("the cluster database cannot be used (Failed to connect)"),
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void SerializeOwnExceptions_DatabaseOrRunnerFailureCrossesAGrainCall_ArrivesWithItsTypeAndMessage(Exception failure)
    {
        var serializer = Serializer(ours: true);

        var arrived = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(failure));

        Assert.IsType(failure.GetType(), arrived);
        Assert.Equal(failure.Message, arrived.Message);
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void OrleansDefaults_DatabaseOrRunnerFailure_HaveNoCodec(Exception failure)
    {
        // What the setting mends: without it the caller learned only that no codec was found.
        var serializer = Serializer(ours: false);

        Assert.ThrowsAny<Orleans.Serialization.CodecNotFoundException>(() => serializer.SerializeToArray<Exception>(failure));
    }
}
