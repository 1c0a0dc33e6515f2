using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Apis.Auth.OAuth2;
using RulesSync.Engine.Changes;
using RulesSync.Runner.Connectors.Google;
using RulesSync.Runner.Connectors.Graph;

namespace RulesSync.Runner.Configuration;

/// <summary>
/// Checks the credentials the runner will use before anything runs, so a malformed secret is a config error (exit 2)
/// rather than a crash in the middle of the host's startup: the Google service-account key (from
/// <c>RULESYNC_GOOGLE_SERVICE_ACCOUNT_JSON</c>, or read under a cap from its file, which is then not read again) must
/// be a service-account key; a Graph certificate file must load. Messages name the setting, never the secret.
/// </summary>
internal static class RunnerSecrets
{
    /// <summary>Reads and checks the secrets in <paramref name="options"/>; returns failures as <c>key: message</c>.</summary>
    public static IReadOnlyList<string> Check(RunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var google = options.Mailboxes.Any(m => m.Provider == Provider.Google);
        if (google && options.Google.ServiceAccountKeyJson is null && options.Google.ServiceAccountKeyPath is { Length: > 0 } keyPath)
        {
            var json = InputFile.ReadText(keyPath, "service account key file", InputFile.MaxSecretBytes);
            options.Google = options.Google with { ServiceAccountKeyJson = json };
        }

        if (google && options.Google.ServiceAccountKeyJson is { } key && ServiceAccountProblem(key) is { } problem)
        {
            failures.Add($"google:serviceAccountKeyPath: the service account key ({GoogleConnectorOptions.KeyJsonVariable} or the key file) is not usable: {problem}");
        }

        if (options.Mailboxes.Any(m => m.Provider == Provider.Exchange) && string.IsNullOrEmpty(options.Graph.ClientSecret)
            && options.Graph.CertificatePath is { Length: > 0 } certificatePath
            && CertificateProblem(certificatePath, options.Graph.CertificatePassword) is { } certificate)
        {
            failures.Add($"graph:certificatePath: the certificate ({GraphConnectorOptions.CertificatePathVariable}) is not usable: {certificate}");
        }

        return failures;
    }

    /// <summary>Why <paramref name="json"/> is not a service-account key, in words that never quote it; null when it is one.</summary>
    internal static string? ServiceAccountProblem(string json)
    {
        try
        {
            using (var document = System.Text.Json.JsonDocument.Parse(json))
            {
                var root = document.RootElement;
                string? Field(string name) =>
                    root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
                if (Field("type") != "service_account" || string.IsNullOrEmpty(Field("client_email")) || Field("private_key") is not { Length: > 0 } pem)
                {
                    return "it is not a service account key (it needs type \"service_account\", client_email and private_key)";
                }

                using var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
            }

            var credential = CredentialFactory.FromJson<ServiceAccountCredential>(json);
            return string.IsNullOrEmpty(credential.Id) ? "it has no client_email" : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return "it is not JSON";
        }
        catch (Newtonsoft.Json.JsonException)
        {
            return "it is not JSON";
        }
#pragma warning disable CA1031 // The library throws assorted exceptions on a malformed key; each one is "not usable".
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e is InvalidOperationException or ArgumentException or FormatException or CryptographicException or NotSupportedException
                ? "it is not a service account key (it needs type \"service_account\", client_email and private_key)"
                : "it could not be read as a service account key";
        }
    }

    private static string? CertificateProblem(string path, string? password)
    {
        var bytes = InputFile.ReadBytes(path, "certificate file", InputFile.MaxSecretBytes);
        try
        {
            using var certificate = string.IsNullOrEmpty(password)
                ? X509CertificateLoader.LoadCertificate(bytes)
                : X509CertificateLoader.LoadPkcs12(bytes, password);
            return null;
        }
        catch (CryptographicException)
        {
            return "it is not a certificate (or the password is wrong)";
        }
    }
}
