using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using RulesSync.Emulators.Hosting;
using RulesSync.Emulators.Identity;
using RulesSync.Emulators.Tests.Hosting;

namespace RulesSync.Emulators.Tests.Identity;

/// <summary>The emulated token endpoints, and the Graph and Google emulators refusing every token they did not issue as valid.</summary>
public sealed class IdentityEmulatorTests
{
    private static readonly DateTimeOffset SignInEpoch = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task MicrosoftToken_ClientSecret_IssuesATokenGraphAccepts()
    {
        await using var t = await StartAsync();
        using var https = Https(t.Host);

        var token = await MicrosoftTokenAsync(t.Host, https, t.Host.Identity.GraphClientSecret);

        Assert.Equal(HttpStatusCode.OK, (await GraphAsync(t.Host, token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GraphAsync(t.Host, null)).StatusCode);
    }

    [Fact]
    public async Task GraphRequest_ExpiredToken_IsRefusedWithInvalidAuthenticationToken()
    {
        var signIn = new FakeTimeProvider(SignInEpoch);
        await using var t = await StartAsync(signIn);
        using var https = Https(t.Host);
        var token = await MicrosoftTokenAsync(t.Host, https, t.Host.Identity.GraphClientSecret);

        signIn.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        using var response = await GraphAsync(t.Host, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("InvalidAuthenticationToken", body["error"]!["code"]!.GetValue<string>());
        Assert.Contains("expired", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphRequest_TokenOfAnotherTenant_IsRefused()
    {
        await using var t = await StartAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var foreign = t.Host.Identity.Sign(new JsonObject
        {
            ["aud"] = EmulatedIdentity.GraphAudience,
            ["tid"] = "11111111-2222-3333-4444-555555555555",
            ["roles"] = new JsonArray(EmulatedIdentity.GraphRole),
            ["exp"] = now + 3600,
        });

        using var response = await GraphAsync(t.Host, foreign);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("another tenant", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphRequest_TokenSignedByAnotherKey_IsRefused()
    {
        await using var t = await StartAsync();
        using var https = Https(t.Host);
        var genuine = Jwt.Parse(await MicrosoftTokenAsync(t.Host, https, t.Host.Identity.GraphClientSecret))!;
        using var otherKey = RSA.Create(2048);

        // The very claims of a genuine token, signed by somebody else.
        var forged = Jwt.Sign(genuine.Header, genuine.Payload, otherKey);
        using var response = await GraphAsync(t.Host, forged);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid signature", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MicrosoftToken_RevokedOrWrongSecret_IsRefusedAsInvalidClientWithItsCode()
    {
        await using var t = await StartAsync();
        using var https = Https(t.Host);
        var secret = t.Host.Identity.GraphClientSecret;

        using var wrong = await PostMicrosoftTokenAsync(t.Host, https, secret + "x");
        t.Host.Identity.RevokeGraphClientSecrets();
        using var revoked = await PostMicrosoftTokenAsync(t.Host, https, secret);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("AADSTS7000215", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        var body = JsonNode.Parse(await revoked.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_client", body["error"]!.GetValue<string>());
        Assert.Equal(7000222, body["error_codes"]![0]!.GetValue<int>());
    }

    [Fact]
    public async Task GoogleToken_ServiceAccountForCarol_ReadsCarolsCalendarOnly()
    {
        await using var t = await StartAsync();
        using var https = Https(t.Host);
        var key = JsonNode.Parse(t.Host.Identity.CreateGoogleServiceAccountKey())!;

        var token = await GoogleTokenAsync(https, key, TestHost.Carol);

        Assert.Equal(HttpStatusCode.OK, (await GoogleAsync(t.Host, token, TestHost.Carol)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GoogleAsync(t.Host, token, TestHost.Dave)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GoogleAsync(t.Host, null, TestHost.Carol)).StatusCode);
    }

    [Fact]
    public async Task GoogleToken_DeletedKeyOrWithdrawnDelegation_IsRefused()
    {
        await using var t = await StartAsync();
        using var https = Https(t.Host);
        var key = JsonNode.Parse(t.Host.Identity.CreateGoogleServiceAccountKey())!;

        t.Host.Identity.SetGoogleDelegation(false);
        using var undelegated = await PostGoogleTokenAsync(https, key, TestHost.Carol);
        t.Host.Identity.SetGoogleDelegation(true);
        t.Host.Identity.DeleteGoogleServiceAccountKeys();
        using var deleted = await PostGoogleTokenAsync(https, key, TestHost.Carol);

        Assert.Equal(HttpStatusCode.Unauthorized, undelegated.StatusCode);
        Assert.Contains("unauthorized_client", await undelegated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, deleted.StatusCode);
        Assert.Contains("Invalid JWT Signature", await deleted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoogleRequest_ExpiredToken_IsRefusedWithAuthError()
    {
        var signIn = new FakeTimeProvider(SignInEpoch);
        await using var t = await StartAsync(signIn);
        using var https = Https(t.Host);
        var key = JsonNode.Parse(t.Host.Identity.CreateGoogleServiceAccountKey())!;
        var token = await GoogleTokenAsync(https, key, TestHost.Carol, signIn.GetUtcNow());

        signIn.Advance(TimeSpan.FromHours(2));
        using var response = await GoogleAsync(t.Host, token, TestHost.Carol);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("authError", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task<TestHost> StartAsync(TimeProvider? signIn = null) =>
        TestHost.StartAsync(new EmulatorOptions { IdentityTimeProvider = signIn ?? TimeProvider.System }, requireAccessTokens: true);

    /// <summary>An HTTPS client trusting exactly the host's self-signed certificate.</summary>
    private static HttpClient Https(EmulatorHost host) => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == host.TlsCertificate.GetCertHashString() },
    });

    private static async Task<HttpResponseMessage> PostMicrosoftTokenAsync(EmulatorHost host, HttpClient https, string secret) =>
        await https.PostAsync(
            new Uri(host.Identity.AuthorityHost, host.Identity.TenantId + "/oauth2/v2.0/token"),
            new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = host.Identity.GraphClientId,
                ["client_secret"] = secret,
                ["scope"] = EmulatedIdentity.GraphScope,
            }));

    private static async Task<string> MicrosoftTokenAsync(EmulatorHost host, HttpClient https, string secret)
    {
        using var response = await PostMicrosoftTokenAsync(host, https, secret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Bearer", body["token_type"]!.GetValue<string>());
        Assert.Equal(3599, body["expires_in"]!.GetValue<int>());
        return body["access_token"]!.GetValue<string>();
    }

    private static async Task<HttpResponseMessage> PostGoogleTokenAsync(HttpClient https, JsonNode key, string subject, DateTimeOffset? now = null)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key["private_key"]!.GetValue<string>());
        var issued = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var tokenUri = key["token_uri"]!.GetValue<string>();
        var assertion = Jwt.Sign(
            new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = key["private_key_id"]!.GetValue<string>() },
            new JsonObject
            {
                ["iss"] = key["client_email"]!.GetValue<string>(),
                ["scope"] = EmulatedIdentity.CalendarScope,
                ["aud"] = IdentityEmulator.GoogleAudience,
                ["sub"] = subject,
                ["iat"] = issued,
                ["exp"] = issued + 3600,
            },
            rsa);
        return await https.PostAsync(new Uri(tokenUri), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = assertion,
        }));
    }

    private static async Task<string> GoogleTokenAsync(HttpClient https, JsonNode key, string subject, DateTimeOffset? now = null)
    {
        using var response = await PostGoogleTokenAsync(https, key, subject, now);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
    }

    private static async Task<HttpResponseMessage> GraphAsync(EmulatorHost host, string? token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{host.GraphBaseUrl}/users/{TestHost.Alice}/events");
        request.Headers.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> GoogleAsync(EmulatorHost host, string? token, string calendar)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{host.GoogleBaseUri}calendar/v3/calendars/{Uri.EscapeDataString(calendar)}/events");
        request.Headers.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }
}
