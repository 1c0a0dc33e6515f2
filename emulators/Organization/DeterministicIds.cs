using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RulesSync.Emulators.Organization;

/// <summary>
/// Ids that look like each provider's but are derived from (seed, kind, counter): the same seed
/// and the same requests in the same order give the same ids.
/// </summary>
internal sealed class DeterministicIds(int seed)
{
    private readonly Dictionary<string, long> counters = new(StringComparer.Ordinal);

    public byte[] NextBytes(string kind)
    {
        var n = counters.GetValueOrDefault(kind) + 1;
        counters[kind] = n;
        return SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{seed}/{kind}/{n}")));
    }

    /// <summary>Exchange immutable ids are long base64 strings beginning <c>AAMkA</c>.</summary>
    public string GraphEventId() => "AAMkA" + Base64Url(NextBytes("graph-event")) + "=";

    /// <summary>Exchange iCalUIds are hex, starting with the Outlook GlobalObjectId prefix.</summary>
    public string ExchangeUid() => "040000008200E00074C5B7101A82E00800000000" + Convert.ToHexString(NextBytes("exchange-uid").AsSpan(0, 24));

    /// <summary>Google event ids use base32hex characters (a-v, 0-9).</summary>
    public string GoogleEventId() => Base32Hex(NextBytes("google-event").AsSpan(0, 15));

    public string ChangeKey(string kind) => Base64Url(NextBytes(kind).AsSpan(0, 12));

    public string Hex(string kind, int bytes) => Convert.ToHexString(NextBytes(kind).AsSpan(0, bytes));

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Base32Hex(ReadOnlySpan<byte> bytes)
    {
        const string alphabet = "0123456789abcdefghijklmnopqrstuv";
        var builder = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                builder.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }

            buffer &= (1 << bits) - 1;
        }

        return builder.ToString();
    }
}
