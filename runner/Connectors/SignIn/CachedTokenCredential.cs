using System.Collections.Concurrent;
using Azure.Core;

namespace RulesSync.Runner.Connectors.SignIn;

/// <summary>
/// A credential that keeps each access token until it is due for refresh (<see cref="AccessToken.RefreshOn"/>, or
/// <see cref="RefreshBefore"/> before it expires) and asks the credential it wraps only then. Kiota's Azure.Identity
/// provider asks the credential for a token on every request; Azure.Identity's credentials answer from MSAL's token
/// cache, but that lookup per request was ~4% of a no-change cycle's allocation (docs/benchmarks.md). A request with
/// claims (a continuous-access-evaluation challenge) always goes to the wrapped credential. Callers that find no fresh
/// token at once each ask the wrapped credential (MSAL answers the later ones from its cache). Thread-safe.
/// </summary>
public sealed class CachedTokenCredential(TokenCredential inner, TimeProvider? time = null) : TokenCredential
{
    /// <summary>How long before its expiry a token without a refresh time is fetched again (as Azure.Core's bearer token policy does).</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(string Scopes, string? TenantId, bool Cae), AccessToken> tokens = new();

    /// <inheritdoc />
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        if (requestContext.Claims is not null)
        {
            return inner.GetToken(requestContext, cancellationToken);
        }

        var key = Key(requestContext);
        if (Fresh(key, out var token))
        {
            return token;
        }

        return tokens[key] = inner.GetToken(requestContext, cancellationToken);
    }

    /// <inheritdoc />
    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        if (requestContext.Claims is not null)
        {
            return await inner.GetTokenAsync(requestContext, cancellationToken).ConfigureAwait(false);
        }

        var key = Key(requestContext);
        if (Fresh(key, out var token))
        {
            return token;
        }

        return tokens[key] = await inner.GetTokenAsync(requestContext, cancellationToken).ConfigureAwait(false);
    }

    private bool Fresh((string Scopes, string? TenantId, bool Cae) key, out AccessToken token) =>
        tokens.TryGetValue(key, out token) && clock.GetUtcNow() < (token.RefreshOn ?? token.ExpiresOn - RefreshBefore);

    private static (string Scopes, string? TenantId, bool Cae) Key(TokenRequestContext context) =>
        (context.Scopes.Length == 1 ? context.Scopes[0] : string.Join(' ', context.Scopes), context.TenantId, context.IsCaeEnabled);
}
