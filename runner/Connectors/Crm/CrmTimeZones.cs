using System.Collections.Concurrent;
using TimeZoneConverter;

namespace RulesSync.Runner.Connectors.Crm;

/// <summary>
/// C4C time zone codes to <see cref="TimeZoneInfo"/>: first the tenant's own map (<c>crm.timeZoneCodes</c>: a C4C
/// code such as <c>PST</c> or <c>INDIA</c> → an IANA or Windows zone), then the code itself as an IANA or Windows
/// name (<c>UTC</c>, <c>CET</c>, <c>EST</c>, <c>Europe/Berlin</c>) through TimeZoneConverter, which works under
/// InvariantGlobalization. No hand-written table: C4C's own code list (SAP's TZONE) has no public source here, so
/// codes that are not zone names must be mapped by the tenant; an unknown code quarantines the record. Thread-safe.
/// </summary>
internal sealed class CrmTimeZones(IReadOnlyDictionary<string, string> tenantCodes)
{
    private readonly ConcurrentDictionary<string, TimeZoneInfo?> found = new(StringComparer.Ordinal);

    /// <summary>The zone of a code, or null when neither the tenant's map nor tzdata knows it.</summary>
    public TimeZoneInfo? Find(string code) => found.GetOrAdd(code, c =>
        TZConvert.TryGetTimeZoneInfo(tenantCodes.TryGetValue(c, out var mapped) ? mapped : c, out var zone) ? zone : null);
}
