using System.Security.Cryptography;
using System.Text;

namespace RulesSync.Runner.Tenant;

/// <summary>
/// The operator token rules, one definition for the dashboard and for operator commands against the cluster: no token
/// configured, operators may only read; an action needs the tenant's token. Tokens are compared as SHA-256 hashes with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither content nor length leaks through timing; a token
/// is never logged or echoed, and the cluster database keeps only its hash (a random token's hash reveals nothing
/// usable).
/// </summary>
internal static class OperatorTokens
{
    /// <summary>The token's SHA-256; null for no token.</summary>
    public static byte[]? Hash(string? token) =>
        string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The hash as the cluster database records it (lower-case hex); null for no token.</summary>
    public static string? HashHex(string? token) => Hash(token) is { } hash ? Convert.ToHexStringLower(hash) : null;

    /// <summary>Whether <paramref name="presented"/> may act where <paramref name="expected"/> is the configured token's hash.</summary>
    public static TokenCheck Check(byte[]? expected, string? presented)
    {
        if (expected is null)
        {
            return TokenCheck.ReadOnly;
        }

        if (presented is null)
        {
            return TokenCheck.Missing;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented.Trim()));
        return CryptographicOperations.FixedTimeEquals(hash, expected) ? TokenCheck.Accepted : TokenCheck.Wrong;
    }

    /// <summary><see cref="Check(byte[], string)"/> against a hash recorded in the cluster database (a malformed one accepts nothing).</summary>
    public static TokenCheck Check(string? expectedHex, string? presented)
    {
        if (expectedHex is null)
        {
            return TokenCheck.ReadOnly;
        }

        byte[] expected;
        try
        {
            expected = Convert.FromHexString(expectedHex);
        }
        catch (FormatException)
        {
            return TokenCheck.Wrong;
        }

        return expected.Length == SHA256.HashSizeInBytes ? Check(expected, presented) : TokenCheck.Wrong;
    }
}

/// <summary>What an operator token check found.</summary>
internal enum TokenCheck
{
    Accepted,
    ReadOnly,
    Missing,
    Wrong,
}
