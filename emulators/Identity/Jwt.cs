using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RulesSync.Emulators.Identity;

/// <summary>
/// Compact JWS (RFC 7515) with RSA keys, enough for the identity emulator: RS256 (PKCS#1 v1.5) and PS256 (PSS), the
/// two algorithms MSAL signs client assertions with, RS256 being what Google's service account grant uses.
/// </summary>
internal static class Jwt
{
    public static string Sign(JsonObject header, JsonObject payload, RSA key)
    {
        var signed = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var padding = header["alg"]?.GetValue<string>() == "PS256" ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        var signature = key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, padding);
        return signed + "." + Base64Url(signature);
    }

    /// <summary>The token's parts, or null when it is not a well-formed compact JWS with JSON header and payload.</summary>
    public static Parsed? Parse(string? token)
    {
        var parts = token?.Split('.');
        if (parts is not { Length: 3 })
        {
            return null;
        }

        try
        {
            var header = JsonNode.Parse(Encoding.UTF8.GetString(FromBase64Url(parts[0]))) as JsonObject;
            var payload = JsonNode.Parse(Encoding.UTF8.GetString(FromBase64Url(parts[1]))) as JsonObject;
            return header is null || payload is null ? null : new Parsed(header, payload, parts[0] + "." + parts[1], FromBase64Url(parts[2]));
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            return null;
        }
    }

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    /// <summary>A parsed token; <see cref="VerifiedBy"/> checks its signature.</summary>
    internal sealed record Parsed(JsonObject Header, JsonObject Payload, string SignedPart, byte[] Signature)
    {
        public string? Algorithm => Text(Header, "alg");

        public bool VerifiedBy(RSA key)
        {
            var padding = Algorithm switch
            {
                "RS256" => RSASignaturePadding.Pkcs1,
                "PS256" => RSASignaturePadding.Pss,
                _ => null,
            };
            return padding is not null && key.VerifyData(Encoding.ASCII.GetBytes(SignedPart), Signature, HashAlgorithmName.SHA256, padding);
        }

        public string? Claim(string name) => Text(Payload, name);

        /// <summary>A NumericDate claim (MSAL writes them as strings, Google.Apis.Auth as numbers).</summary>
        public DateTimeOffset? Time(string name) => Payload[name] switch
        {
            JsonValue v when v.TryGetValue<long>(out var n) => DateTimeOffset.FromUnixTimeSeconds(n),
            JsonValue v when v.TryGetValue<double>(out var d) => DateTimeOffset.FromUnixTimeSeconds((long)d),
            JsonValue v when v.TryGetValue<string>(out var s) && long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) =>
                DateTimeOffset.FromUnixTimeSeconds(n),
            _ => null,
        };

        private static string? Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }
}
