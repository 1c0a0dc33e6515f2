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
    public static TokenCheck Check(string? expectedHex, string? presented) => Check([expectedHex], presented);

    /// <summary>
    /// <see cref="Check(byte[], string)"/> against several hashes in force at once (a token rotation under way: silos
    /// whose configs carry different tokens; null entries are silos without one). Read-only when none carries a token;
    /// otherwise the presented token's hash is compared with every hash in fixed time (no early exit, so the timing
    /// tells neither which one matched nor how many there are beyond the count); a malformed hash accepts nothing.
    /// </summary>
    public static TokenCheck Check(IReadOnlyList<string?> expectedHexes, string? presented)
    {
        ArgumentNullException.ThrowIfNull(expectedHexes);
        var expected = expectedHexes.Where(h => h is not null).Select(h => Parse(h!)).ToList();
        if (expected.Count == 0)
        {
            return TokenCheck.ReadOnly;
        }

        if (presented is null)
        {
            return TokenCheck.Missing;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented.Trim()));
        var accepted = false;
        foreach (var e in expected)
        {
            accepted |= e is not null && CryptographicOperations.FixedTimeEquals(hash, e);
        }

        return accepted ? TokenCheck.Accepted : TokenCheck.Wrong;
    }

    /// <summary>A recorded hash's bytes; null when it is not a SHA-256 in hex.</summary>
    private static byte[]? Parse(string hex)
    {
        try
        {
            var bytes = Convert.FromHexString(hex);
            return bytes.Length == SHA256.HashSizeInBytes ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
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
