using Microsoft.AspNetCore.Http;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// Checks an action's <c>Authorization: Bearer</c> header against the configured operator token by the rules of
/// <see cref="OperatorTokens"/> (hashed, compared in fixed time, never logged or echoed).
/// </summary>
internal sealed class OperatorToken
{
    private readonly byte[]? expectedHash;

    public OperatorToken(string? configured) => expectedHash = OperatorTokens.Hash(configured);

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
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? OperatorTokens.Check(expectedHash, header[scheme.Length..])
            : TokenCheck.Missing;
    }
}
