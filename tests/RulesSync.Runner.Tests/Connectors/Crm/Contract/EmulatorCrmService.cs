using RulesSync.Emulators.Crm;
using RulesSync.Emulators.Hosting;

namespace RulesSync.Runner.Tests.Connectors.Crm.Contract;

/// <summary>An OData V2 service the CRM contract runs against: its service root (c4codataapi shape).</summary>
public interface ICrmServiceFixture
{
    Uri ServiceRoot { get; }

    string Name { get; }
}

/// <summary>The C4C emulator (c4codataapi dialect, server pages of 3), started once for the test class.</summary>
public sealed class EmulatorCrmService : ICrmServiceFixture, IAsyncLifetime
{
    private EmulatorHost? host;

    public Uri ServiceRoot => host!.CrmServiceRoot(CrmDialect.V2);

    public string Name => "emulator";

    public async Task InitializeAsync() => host = await EmulatorHost.StartAsync(new EmulatorOptions { CrmPageSize = 3 });

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }
}
