using System.Globalization;
using System.Text;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Google;

/// <summary>
/// What a <c>pageToken</c> or <c>syncToken</c> carries: changes after <see cref="Since"/> up to
/// <see cref="Snapshot"/>, continuing after the (sequence, id) key or the offset already served.
/// A sync token is a cursor with no snapshot yet. Opaque to clients.
/// </summary>
internal sealed record GoogleCursor(long Since, long Snapshot, long AfterSequence, string AfterId, int Offset)
{
    public string Encode() => DeterministicIds.Base64Url(Encoding.UTF8.GetBytes(string.Join('|',
        "g1",
        Since.ToString(CultureInfo.InvariantCulture),
        Snapshot.ToString(CultureInfo.InvariantCulture),
        AfterSequence.ToString(CultureInfo.InvariantCulture),
        AfterId,
        Offset.ToString(CultureInfo.InvariantCulture))));

    public static GoogleCursor? Decode(string? token)
    {
        if (token is null)
        {
            return null;
        }

        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded = padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('|');
            return parts[0] != "g1" ? null : new GoogleCursor(
                long.Parse(parts[1], CultureInfo.InvariantCulture),
                long.Parse(parts[2], CultureInfo.InvariantCulture),
                long.Parse(parts[3], CultureInfo.InvariantCulture),
                parts[4],
                int.Parse(parts[5], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
        {
            return null;
        }
    }
}
