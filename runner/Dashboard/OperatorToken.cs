using Microsoft.AspNetCore.Http;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// Checks an action's <c>Authorization: Bearer</c> header against the operator token by the rules of
/// <see cref="OperatorTokens"/> (hashed, compared in fixed time, never logged or echoed): the configured token, or in
/// cluster mode the tokens in force for the tenant (<see cref="Tenant.OperatorTokenRegistry"/>: during a token
/// rotation, every token a live silo carries). The tokens in force are read at most once per request (kept in the
/// request's items), and afresh by every request: a rotation takes effect at the next request, as before.
/// </summary>
internal sealed class OperatorToken
{
    /// <summary>Reads the tokens in force and gives the check against them (called once per request).</summary>
    private readonly Func<Func<string?, TokenCheck>> read;

    /// <summary>This instance's key in a request's items.</summary>
    private readonly object key = new();

    public OperatorToken(string? configured)
    {
        var expectedHash = OperatorTokens.Hash(configured);
        Func<string?, TokenCheck> check = presented => OperatorTokens.Check(expectedHash, presented);
        read = () => check;
    }

    /// <summary>Checks against the token hashes <paramref name="inForce"/> reads (lower-case hex, as the cluster database records them; null entries: silos with none).</summary>
    public OperatorToken(Func<IReadOnlyList<string?>> inForce)
    {
        ArgumentNullException.ThrowIfNull(inForce);
        read = () =>
        {
            var hashes = inForce();
            return presented => OperatorTokens.Check(hashes, presented);
        };
    }

    /// <summary>False: the dashboard is read-only (for <paramref name="context"/>'s request).</summary>
    public bool ActionsEnabled(HttpContext context) => CheckOf(context)(null) != TokenCheck.ReadOnly;

    public TokenCheck Check(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return CheckOf(request.HttpContext)(header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..] : null);
    }

    /// <summary>The check against the tokens in force for <paramref name="context"/>'s request: read by its first use, kept for the rest of it.</summary>
    private Func<string?, TokenCheck> CheckOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(key, out var kept) && kept is Func<string?, TokenCheck> check)
        {
            return check;
        }

        check = read();
        context.Items[key] = check;
        return check;
    }
}
