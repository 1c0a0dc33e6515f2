using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Google;

internal sealed class GoogleCalendarEmulator(CalendarWorld world, EmulatorOptions options) : IProtocolEmulator
{
    public bool Owns(string path) => false;

    public (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request) => (null, null);

    public EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request) => EmulatorResponse.Empty(500);

    internal object State => (world, options);
}
