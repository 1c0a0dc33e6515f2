using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;

namespace RulesSync.Emulators.Crm;

public enum CrmDialect { V1, V2 }

internal sealed class CrmStore(TimeProvider time, int seed)
{
    internal object State => (time, seed);
}

public sealed class EmulatedCrm
{
    internal EmulatedCrm(CrmStore store) => Store = store;

    internal CrmStore Store { get; }
}

internal sealed class ODataEmulator(CrmStore store, EmulatorOptions options) : IProtocolEmulator
{
    public static string RootPath(CrmDialect dialect) => dialect == CrmDialect.V1 ? "sap/c4c/odata/v1/c4codata/" : "sap/c4c/odata/v1/c4codataapi/";

    public bool Owns(string path) => false;

    public (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request) => (null, null);

    public EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request) => EmulatorResponse.Empty(500);

    internal object State => (store, options);
}
