using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// Checks an action's <c>Authorization: Bearer</c> header against the configured operator token. Both sides
/// are hashed to a fixed length first and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>,
/// so neither the content nor the length of the token leaks through response timing. The token is never
/// logged and never echoed.
/// </summary>
internal sealed class OperatorToken
{
    private readonly byte[]? expectedHash;

    public OperatorToken(string? configured) =>
        expectedHash = string.IsNullOrEmpty(configured) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(configured));

    /// <summary>False: the dashboard is read-only.</summary>
    public bool ActionsEnabled => expectedHash is not null;

    public TokenCheck Check(HttpRequest request)
    {
        if (expectedHash is null)
        {
            return TokenCheck.ReadOnly;
        }

        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return TokenCheck.Missing;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, expectedHash) ? TokenCheck.Accepted : TokenCheck.Wrong;
    }
}

internal enum TokenCheck
{
    Accepted,
    ReadOnly,
    Missing,
    Wrong,
}
