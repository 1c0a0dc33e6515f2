using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Organization;

namespace RulesSync.Emulators.Identity;

/// <summary>
/// The token endpoints of the two identity providers, served on the host's HTTPS listener:
/// <list type="bullet">
/// <item>Microsoft identity platform v2, <c>POST /{tenant}/oauth2/v2.0/token</c>, client credentials grant with a
/// client secret or with a client assertion (RFC 7523 JWT signed by a registered certificate, RS256 or PS256; its
/// <c>aud</c> must be this token endpoint, <c>iss</c> and <c>sub</c> the client id, not expired)
/// (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow).</item>
/// <item>Google OAuth 2.0, <c>POST /token</c>, the JWT bearer grant of a service account with domain-wide delegation
/// (<c>iss</c> the service account, <c>sub</c> the mailbox, <c>aud</c> the token URI, at most an hour long, signed by a
/// key the service account still has) (https://developers.google.com/identity/protocols/oauth2/service-account).</item>
/// </list>
/// Errors come in each provider's shape (<c>error</c>, <c>error_description</c>; Entra adds <c>error_codes</c>).
/// MSAL's instance discovery is not served: MSAL sends it to login.microsoftonline.com for any authority host it does
/// not know, so a connector pointed here sets <c>DisableInstanceDiscovery</c> (as for Azure Stack).
/// </summary>
internal sealed class IdentityEmulator(EmulatedIdentity identity, CalendarWorld world) : IProtocolEmulator
{
    public const string GoogleTokenPath = "/token";

    /// <summary>The audience of every service account assertion, per Google's guide.</summary>
    public const string GoogleAudience = "https://oauth2.googleapis.com/token";
    private const string MicrosoftTokenSuffix = "/oauth2/v2.0/token";
    private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    // Entra tolerates five minutes of clock skew on assertions; Google's front end is similar.
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    public bool Owns(string path) =>
        path == GoogleTokenPath || (path.EndsWith(MicrosoftTokenSuffix, StringComparison.Ordinal) && path.Count(c => c == '/') == 4);

    public (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request)
    {
        if (request.Method != "POST")
        {
            return (null, OAuthError(405, "invalid_request", "The token endpoint accepts POST only.", null));
        }

        if (request.Path == GoogleTokenPath)
        {
            return (EmulatorRoute.Sync("identity.google.token", null, GoogleToken), null);
        }

        var tenant = request.Path[1..^MicrosoftTokenSuffix.Length];
        return (EmulatorRoute.Sync("identity.microsoft.token", null, r => MicrosoftToken(r, tenant)), null);
    }

    public EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request) => fault.Kind switch
    {
        FaultKind.Throttle or FaultKind.RateLimitForbidden => OAuthError(429, "temporarily_unavailable", "Too many requests.", null)
            .WithHeader("Retry-After", ((long)fault.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
        FaultKind.Unavailable or FaultKind.Timeout => OAuthError(503, "temporarily_unavailable", "The service is temporarily unavailable.", null),
        FaultKind.ExpiredToken => OAuthError(400, "invalid_grant", "The assertion has expired.", null),
        _ => OAuthError(500, "server_error", "Injected fault.", null),
    };

    public EmulatorResponse BadRequest(string message) => OAuthError(400, "invalid_request", message, null);

    private EmulatorResponse MicrosoftToken(EmulatorRequest request, string tenant)
    {
        var form = Form(request);
        if (!string.Equals(tenant, identity.TenantId, StringComparison.OrdinalIgnoreCase))
        {
            return Entra(400, "invalid_request", 90002, $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
        }

        if (form.GetValueOrDefault("grant_type") != "client_credentials")
        {
            return Entra(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
        }

        var clientId = form.GetValueOrDefault("client_id");
        if (!string.Equals(clientId, identity.GraphClientId, StringComparison.OrdinalIgnoreCase))
        {
            return Entra(400, "unauthorized_client", 700016, $"Application with identifier '{clientId}' was not found in the directory '{tenant}'.");
        }

        if (form.GetValueOrDefault("scope") is not { } scope || scope.Split(' ', StringSplitOptions.RemoveEmptyEntries) is not [EmulatedIdentity.GraphScope])
        {
            return Entra(400, "invalid_scope", 1002012, $"The provided value for scope '{form.GetValueOrDefault("scope")}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.");
        }

        if (form.GetValueOrDefault("client_secret") is { } secret)
        {
            switch (identity.CheckGraphSecret(secret))
            {
                case SecretCheck.Revoked:
                    return Entra(401, "invalid_client", 7000222, $"The provided client secret keys for app '{clientId}' are expired.");
                case SecretCheck.Unknown:
                    return Entra(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
            }
        }
        else if (form.GetValueOrDefault("client_assertion_type") == AssertionType)
        {
            var endpoint = new Uri(request.BaseUri, request.Path.TrimStart('/')).AbsoluteUri;
            if (AssertionRefusal(form.GetValueOrDefault("client_assertion"), clientId!, endpoint) is { } refusal)
            {
                return refusal;
            }
        }
        else
        {
            return Entra(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
        }

        var (token, expiresIn) = identity.IssueGraphToken(identity.TenantId, identity.GraphClientId);
        return EmulatorResponse.Json(200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = expiresIn,
            ["ext_expires_in"] = expiresIn,
            ["access_token"] = token,
        });
    }

    private EmulatorResponse? AssertionRefusal(string? assertion, string clientId, string endpoint)
    {
        var jwt = Jwt.Parse(assertion);
        if (jwt is null)
        {
            return Entra(401, "invalid_client", 50027, "JWT token is invalid or malformed.");
        }

        var thumbprint = jwt.Header["x5t#S256"]?.GetValue<string>() ?? jwt.Header["x5t"]?.GetValue<string>();
        using var key = identity.GraphCertificate(thumbprint)?.GetRSAPublicKey();
        if (key is null)
        {
            return Entra(401, "invalid_client", 700027, $"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}']");
        }

        if (!jwt.VerifiedBy(key))
        {
            return Entra(401, "invalid_client", 700027, "Client assertion failed signature validation.");
        }

        if (!string.Equals(jwt.Claim("aud"), endpoint, StringComparison.OrdinalIgnoreCase))
        {
            return Entra(401, "invalid_client", 700212, $"Client assertion audience claim '{jwt.Claim("aud")}' does not match the token endpoint '{endpoint}'.");
        }

        if (jwt.Claim("iss") != clientId || jwt.Claim("sub") != clientId)
        {
            return Entra(401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
        }

        var now = identity.Time.GetUtcNow();
        if (jwt.Time("exp") is not { } expires || expires + Skew <= now || (jwt.Time("nbf") is { } notBefore && notBefore - Skew > now))
        {
            return Entra(401, "invalid_client", 700024, "Client assertion is not within its valid time range.");
        }

        return null;
    }

    private EmulatorResponse GoogleToken(EmulatorRequest request)
    {
        var form = Form(request);
        if (form.GetValueOrDefault("grant_type") != JwtBearerGrant)
        {
            return OAuthError(400, "unsupported_grant_type", "Invalid grant_type: " + form.GetValueOrDefault("grant_type"), null);
        }

        var jwt = Jwt.Parse(form.GetValueOrDefault("assertion"));
        if (jwt is null)
        {
            return OAuthError(400, "invalid_grant", "Invalid JWT: the assertion is not a well-formed JWT.", null);
        }

        // An unknown or deleted key and a wrong signature look the same from outside.
        var key = jwt.Claim("iss") == identity.GoogleServiceAccountEmail ? identity.GoogleKey(jwt.Header["kid"]?.GetValue<string>()) : null;
        if (key is null || jwt.Algorithm != "RS256" || !jwt.VerifiedBy(key))
        {
            return OAuthError(400, "invalid_grant", "Invalid JWT Signature.", null);
        }

        // "aud: ... When making an access token request this value is always https://oauth2.googleapis.com/token"
        // (service-account guide); Google.Apis.Auth sends exactly that whatever its token server URL. The emulator's
        // own token URI is accepted too.
        var tokenUri = new Uri(request.BaseUri, GoogleTokenPath.TrimStart('/')).AbsoluteUri;
        if (jwt.Claim("aud") is not (GoogleAudience) && !string.Equals(jwt.Claim("aud"), tokenUri, StringComparison.Ordinal))
        {
            return OAuthError(400, "invalid_grant", $"Invalid JWT: Failed audience check. The right audience is {GoogleAudience}", null);
        }

        var now = identity.Time.GetUtcNow();
        if (jwt.Time("iat") is not { } issued || jwt.Time("exp") is not { } expires
            || expires - issued > TimeSpan.FromHours(1) || expires + Skew <= now || issued - Skew > now)
        {
            return OAuthError(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.", null);
        }

        var scopes = (jwt.Claim("scope") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (scopes.Length == 0 || !identity.IsDelegated(scopes))
        {
            return OAuthError(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.", null);
        }

        var subject = jwt.Claim("sub");
        lock (world.Gate)
        {
            if (subject is null || world.Find(subject) is not { Provider: CalendarProvider.Google } employee)
            {
                return OAuthError(400, "invalid_grant", "Invalid email or User ID", null);
            }

            subject = employee.Email;
        }

        var (token, expiresIn) = identity.IssueGoogleToken(subject, string.Join(' ', scopes));
        return EmulatorResponse.Json(200, new JsonObject
        {
            ["access_token"] = token,
            ["expires_in"] = expiresIn,
            ["token_type"] = "Bearer",
        });
    }

    private static Dictionary<string, string> Form(EmulatorRequest request) =>
        QueryHelpers.ParseQuery(request.Body ?? string.Empty).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);

    private EmulatorResponse Entra(int status, string error, int code, string description)
    {
        var now = identity.Time.GetUtcNow();
        return EmulatorResponse.Json(status, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = $"AADSTS{code.ToString(CultureInfo.InvariantCulture)}: {description} Trace ID: 00000000-0000-0000-0000-000000000000 Correlation ID: 00000000-0000-0000-0000-000000000000 Timestamp: {now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}",
            ["error_codes"] = new JsonArray(code),
            ["timestamp"] = now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["trace_id"] = "00000000-0000-0000-0000-000000000000",
            ["correlation_id"] = "00000000-0000-0000-0000-000000000000",
            ["error_uri"] = "https://login.microsoftonline.com/error?code=" + code.ToString(CultureInfo.InvariantCulture),
        });
    }

    private static EmulatorResponse OAuthError(int status, string error, string description, string? uri)
    {
        var body = new JsonObject { ["error"] = error, ["error_description"] = description };
        if (uri is not null)
        {
            body["error_uri"] = uri;
        }

        return EmulatorResponse.Json(status, body);
    }
}
