using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace RulesSync.Emulators.Identity;

/// <summary>
/// The identity providers behind the emulators: one Entra tenant with one app registration (client secrets and
/// certificates, app role <c>Calendars.ReadWrite</c>), and one Google service account (keys, and the domain-wide
/// delegation an administrator grants its client id). The token endpoints (<see cref="IdentityEmulator"/>) issue
/// RS256 access tokens signed with this emulator's own key; the Graph and Google emulators accept only those, unexpired,
/// for this tenant and app (Graph) or for the mailbox the request acts on (Google). Runs on its own clock
/// (<see cref="Hosting.EmulatorOptions.IdentityTimeProvider"/>): MSAL stamps client assertions from the machine clock
/// and cannot be given another. Tests revoke secrets and delete keys through the methods here. Thread-safe.
/// </summary>
public sealed class EmulatedIdentity : IDisposable
{
    /// <summary>The scope an app-only Graph client asks for.</summary>
    public const string GraphScope = "https://graph.microsoft.com/.default";

    /// <summary>The audience of a Graph access token.</summary>
    public const string GraphAudience = "https://graph.microsoft.com";

    /// <summary>The application permission the connectors need (calendar read and write in every mailbox).</summary>
    public const string GraphRole = "Calendars.ReadWrite";

    /// <summary>The Calendar scope Google's connector asks for.</summary>
    public const string CalendarScope = "https://www.googleapis.com/auth/calendar";

    private readonly RSA signingKey = RSA.Create(2048);
    private readonly Lock gate = new();
    private readonly List<(string Secret, bool Revoked)> secrets = [];
    private readonly Dictionary<string, X509Certificate2> certificates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RSA> googleKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> delegatedScopes = new(StringComparer.Ordinal) { CalendarScope };
    private int keySequence;
    private int tokensIssued;

    internal EmulatedIdentity(int seed, TimeProvider time, TimeSpan tokenLifetime)
    {
        Time = time;
        TokenLifetime = tokenLifetime;
        var s = seed.ToString("x8", CultureInfo.InvariantCulture);
        TenantId = $"{s}-7e4a-4c1d-9a55-0000000c0a50";
        GraphClientId = $"{s}-1b2c-4d3e-8f40-00000000a991";
        GoogleClientId = "1" + seed.ToString("D20", CultureInfo.InvariantCulture);
        GoogleServiceAccountEmail = $"rulesync@emulated-{s}.iam.gserviceaccount.com";
        AddGraphClientSecret();
    }

    /// <summary>The tenant id the Graph emulator serves.</summary>
    public string TenantId { get; }

    /// <summary>The app registration's client id.</summary>
    public string GraphClientId { get; }

    /// <summary>The service account's OAuth client id (what domain-wide delegation is granted to).</summary>
    public string GoogleClientId { get; }

    /// <summary>The service account's email (the JWT issuer).</summary>
    public string GoogleServiceAccountEmail { get; }

    /// <summary>The clock tokens and assertions are checked on.</summary>
    public TimeProvider Time { get; }

    /// <summary>How long an access token lives (Entra and Google: about an hour).</summary>
    public TimeSpan TokenLifetime { get; }

    /// <summary>Access tokens issued so far, by both token endpoints.</summary>
    public int TokensIssued => Volatile.Read(ref tokensIssued);

    /// <summary>The HTTPS root of the token endpoints (the Azure.Identity authority host), set when the host starts.</summary>
    public Uri AuthorityHost { get; internal set; } = new("https://127.0.0.1/");

    /// <summary>Google's token endpoint on the emulator (a service account key's <c>token_uri</c>).</summary>
    public Uri GoogleTokenUri => new(AuthorityHost, IdentityEmulator.GoogleTokenPath.TrimStart('/'));

    /// <summary>The newest client secret that is not revoked (a secret: tests and the demo hand it to the connector).</summary>
    public string GraphClientSecret
    {
        get
        {
            lock (gate)
            {
                return secrets.LastOrDefault(s => !s.Revoked).Secret ?? throw new InvalidOperationException("every client secret is revoked");
            }
        }
    }

    /// <summary>Adds a client secret to the app registration and returns it.</summary>
    public string AddGraphClientSecret()
    {
        var secret = "emu~" + Jwt.Base64Url(RandomNumberGenerator.GetBytes(30));
        lock (gate)
        {
            secrets.Add((secret, false));
        }

        return secret;
    }

    /// <summary>Revokes every client secret (as deleting them in the portal does): token requests with one fail with AADSTS7000222.</summary>
    public void RevokeGraphClientSecrets()
    {
        lock (gate)
        {
            for (var i = 0; i < secrets.Count; i++)
            {
                secrets[i] = (secrets[i].Secret, true);
            }
        }
    }

    /// <summary>Creates a self-signed certificate, registers its public key on the app, and returns it with its private key.</summary>
    public X509Certificate2 CreateGraphCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=rulesync-emulated-app", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = Time.GetUtcNow();
        using var made = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        var certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        lock (gate)
        {
            certificates[Jwt.Base64Url(certificate.GetCertHash())] = certificate;
            certificates[Jwt.Base64Url(certificate.GetCertHash(HashAlgorithmName.SHA256))] = certificate;
        }

        return certificate;
    }

    /// <summary>Removes every certificate from the app registration: assertions signed with one fail with AADSTS700027.</summary>
    public void DeleteGraphCertificates()
    {
        lock (gate)
        {
            certificates.Clear();
        }
    }

    /// <summary>
    /// Creates a service account key and returns the key file as the Cloud console hands it out (a secret:
    /// <c>private_key</c> in PKCS#8 PEM, <c>token_uri</c> the emulator's token endpoint).
    /// </summary>
    public string CreateGoogleServiceAccountKey()
    {
        var key = RSA.Create(2048);
        string keyId;
        lock (gate)
        {
            keyId = (++keySequence).ToString("x40", CultureInfo.InvariantCulture);
            googleKeys[keyId] = key;
        }

        return new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "rulesync-emulated",
            ["private_key_id"] = keyId,
            ["private_key"] = key.ExportPkcs8PrivateKeyPem() + "\n",
            ["client_email"] = GoogleServiceAccountEmail,
            ["client_id"] = GoogleClientId,
            ["auth_uri"] = new Uri(AuthorityHost, "o/oauth2/auth").AbsoluteUri,
            ["token_uri"] = GoogleTokenUri.AbsoluteUri,
        }.ToJsonString();
    }

    /// <summary>Deletes every key of the service account: assertions signed with one fail with <c>invalid_grant</c>.</summary>
    public void DeleteGoogleServiceAccountKeys()
    {
        lock (gate)
        {
            foreach (var key in googleKeys.Values)
            {
                key.Dispose();
            }

            googleKeys.Clear();
        }
    }

    /// <summary>Withdraws (or grants again) the domain-wide delegation of the Calendar scope to the service account's client id.</summary>
    public void SetGoogleDelegation(bool granted)
    {
        lock (gate)
        {
            if (granted)
            {
                delegatedScopes.Add(CalendarScope);
            }
            else
            {
                delegatedScopes.Clear();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        signingKey.Dispose();
        DeleteGoogleServiceAccountKeys();
        lock (gate)
        {
            foreach (var c in certificates.Values.Distinct())
            {
                c.Dispose();
            }

            certificates.Clear();
        }
    }

    internal SecretCheck CheckGraphSecret(string secret)
    {
        lock (gate)
        {
            var found = secrets.FindIndex(s => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(s.Secret), System.Text.Encoding.UTF8.GetBytes(secret)));
            return found < 0 ? SecretCheck.Unknown : secrets[found].Revoked ? SecretCheck.Revoked : SecretCheck.Valid;
        }
    }

    internal X509Certificate2? GraphCertificate(string? thumbprint)
    {
        lock (gate)
        {
            return thumbprint is not null && certificates.TryGetValue(thumbprint, out var c) ? c : null;
        }
    }

    internal RSA? GoogleKey(string? keyId)
    {
        lock (gate)
        {
            return keyId is not null && googleKeys.TryGetValue(keyId, out var k) ? k : null;
        }
    }

    internal bool IsDelegated(IEnumerable<string> scopes)
    {
        lock (gate)
        {
            return scopes.All(delegatedScopes.Contains);
        }
    }

    /// <summary>An app-only Graph access token (v1 token shape: <c>iss</c> sts.windows.net, <c>roles</c>).</summary>
    internal (string Token, int ExpiresIn) IssueGraphToken(string tenantId, string clientId) =>
        Issue(new JsonObject
        {
            ["aud"] = GraphAudience,
            ["iss"] = $"https://sts.windows.net/{tenantId}/",
            ["tid"] = tenantId,
            ["appid"] = clientId,
            ["idtyp"] = "app",
            ["roles"] = new JsonArray(GraphRole),
            ["ver"] = "1.0",
        });

    /// <summary>A Google access token for <paramref name="subject"/> (the impersonated mailbox).</summary>
    internal (string Token, int ExpiresIn) IssueGoogleToken(string subject, string scope) =>
        Issue(new JsonObject
        {
            ["aud"] = "https://www.googleapis.com/",
            ["iss"] = "https://accounts.google.com",
            ["azp"] = GoogleClientId,
            ["sub"] = subject,
            ["email"] = subject,
            ["scope"] = scope,
        });

    /// <summary>Any token signed with the issuer's key (tests forge expired and foreign ones with it).</summary>
    internal string Sign(JsonObject payload) =>
        Jwt.Sign(new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = "emulator" }, payload, signingKey);

    /// <summary>The claims of a bearer token this emulator issued, or why it is refused.</summary>
    internal TokenCheck Check(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= 7)
        {
            return TokenCheck.Refused("Access token is empty.");
        }

        var token = Jwt.Parse(authorization[7..].Trim());
        if (token is null)
        {
            return TokenCheck.Refused("Access token is not a well-formed JWT.");
        }

        if (token.Algorithm != "RS256" || !token.VerifiedBy(signingKey))
        {
            return TokenCheck.Refused("Access token validation failure: invalid signature.");
        }

        if (token.Time("exp") is not { } expires || expires <= Time.GetUtcNow())
        {
            return TokenCheck.Refused("Lifetime validation failed, the token is expired.");
        }

        return new TokenCheck(token, null);
    }

    private (string Token, int ExpiresIn) Issue(JsonObject payload)
    {
        var now = Time.GetUtcNow();
        payload["iat"] = now.ToUnixTimeSeconds();
        payload["nbf"] = now.ToUnixTimeSeconds();
        payload["exp"] = (now + TokenLifetime).ToUnixTimeSeconds();
        Interlocked.Increment(ref tokensIssued);
        return (Sign(payload), (int)TokenLifetime.TotalSeconds - 1);
    }
}

/// <summary>What a presented client secret is.</summary>
internal enum SecretCheck
{
    Unknown,
    Revoked,
    Valid,
}

/// <summary>A bearer token's verified claims, or the reason it was refused.</summary>
internal sealed record TokenCheck(Jwt.Parsed? Token, string? Refusal)
{
    public static TokenCheck Refused(string reason) => new(null, reason);
}
