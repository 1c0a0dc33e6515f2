using Microsoft.AspNetCore.Http;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// Checks an action's <c>Authorization: Bearer</c> header against the operator token by the rules of
/// <see cref="OperatorTokens"/> (hashed, compared in fixed time, never logged or echoed): the configured token, or in
/// cluster mode the tokens in force for the tenant (<see cref="Tenant.OperatorTokenRegistry"/>: during a token
/// rotation, every token a live silo carries).
/// </summary>
internal sealed class OperatorToken
{
    private readonly Func<string?, TokenCheck> check;

    public OperatorToken(string? configured)
    {
        var expectedHash = OperatorTokens.Hash(configured);
        check = presented => OperatorTokens.Check(expectedHash, presented);
    }

    /// <summary>Checks with <paramref name="check"/> (given null: no token presented).</summary>
    public OperatorToken(Func<string?, TokenCheck> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        this.check = check;
    }

    /// <summary>False: the dashboard is read-only.</summary>
    public bool ActionsEnabled => check(null) != TokenCheck.ReadOnly;

    public TokenCheck Check(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return check(header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..] : null);
    }
}
