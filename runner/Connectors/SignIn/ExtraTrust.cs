using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RulesSync.Runner.Connectors.SignIn;

/// <summary>
/// TLS for the sign-in and API hosts: the system's trust, plus optionally one more root or self-signed certificate
/// (PEM) — a private CA, or the protocol emulators' certificate made at start. MSAL only accepts an HTTPS authority, so
/// the emulated token endpoints are HTTPS on loopback and the credential's HTTP transport trusts exactly that
/// certificate; a wrong host name is refused whatever the trust. Nothing else is relaxed.
/// </summary>
internal static class ExtraTrust
{
    /// <summary>A handler for HTTP clients that trusts <paramref name="certificatePem"/> besides the system roots (null: the system's only).</summary>
    public static SocketsHttpHandler Handler(string? certificatePem)
    {
        var handler = new SocketsHttpHandler();
        if (string.IsNullOrWhiteSpace(certificatePem))
        {
            return handler;
        }

        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPem(certificatePem);
        if (trusted.Count == 0)
        {
            throw new InvalidOperationException("trustedCertificatePem holds no PEM certificate");
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Validate(trusted, certificate, chain, errors);
        return handler;
    }

    /// <summary>System trust first; otherwise only a chain error, resolved against <paramref name="trusted"/> as the roots.</summary>
    internal static bool Validate(X509Certificate2Collection trusted, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }
}
