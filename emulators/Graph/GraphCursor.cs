using System.Globalization;
using System.Text;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Graph;

/// <summary>
/// The state a delta <c>$skiptoken</c> or <c>$deltatoken</c> carries: the calendarView window,
/// the change sequence already delivered (<see cref="Since"/>), the snapshot this round reads up
/// to, and the last (sequence, id) key returned (keyset paging, so an item changed mid-round
/// moves to the next round instead of shifting offsets). Opaque to clients.
/// </summary>
internal sealed record GraphCursor(DateTimeOffset WindowStart, DateTimeOffset WindowEnd, long Since, long Snapshot, long AfterSequence, string AfterId)
{
    public string Encode() => DeterministicIds.Base64Url(Encoding.UTF8.GetBytes(string.Join('|',
        WindowStart.UtcTicks.ToString(CultureInfo.InvariantCulture),
        WindowEnd.UtcTicks.ToString(CultureInfo.InvariantCulture),
        Since.ToString(CultureInfo.InvariantCulture),
        Snapshot.ToString(CultureInfo.InvariantCulture),
        AfterSequence.ToString(CultureInfo.InvariantCulture),
        AfterId)));

    public static GraphCursor? Decode(string token)
    {
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded = padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('|');
            return new GraphCursor(
                new DateTimeOffset(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.Zero),
                new DateTimeOffset(long.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.Zero),
                long.Parse(parts[2], CultureInfo.InvariantCulture),
                long.Parse(parts[3], CultureInfo.InvariantCulture),
                long.Parse(parts[4], CultureInfo.InvariantCulture),
                parts[5]);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
