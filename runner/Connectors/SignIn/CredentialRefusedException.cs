namespace RulesSync.Runner.Connectors.SignIn;

/// <summary>
/// The identity provider refused the app's credentials for good (a revoked or expired client secret, a deleted
/// certificate or service account key, withdrawn domain-wide delegation, an unknown tenant or client): retrying
/// cannot help, an operator has to act. The message is the provider's own error code and description, which never
/// contains the secret. The runner suspends the mailbox at once with this reason instead of counting failures.
/// </summary>
public sealed class CredentialRefusedException : Exception
{
    /// <summary>Creates the exception for <paramref name="provider"/> with the provider's <paramref name="reason"/>.</summary>
    public CredentialRefusedException(string provider, string reason, Exception? inner = null)
        : base($"{provider} refused the app's sign-in: {reason}", inner)
    {
        Provider = provider;
        Reason = reason;
    }

    /// <summary>Creates the exception (serialization-free form).</summary>
    public CredentialRefusedException()
        : this("the identity provider", "credentials refused")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CredentialRefusedException(string message)
        : this("the identity provider", message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CredentialRefusedException(string message, Exception inner)
        : this("the identity provider", message, inner)
    {
    }

    /// <summary>Which identity provider refused (Microsoft identity platform, Google OAuth).</summary>
    public string Provider { get; }

    /// <summary>The provider's error, first line only.</summary>
    public string Reason { get; }
}

/// <summary>Runs a request and turns the identity library's refusal (as <c>refusal</c> recognises it) into a <see cref="CredentialRefusedException"/>.</summary>
internal static class SignInGuard
{
    public static async Task<T> RunAsync<T>(
        string provider, Func<Exception, string?> refusal, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (refusal(e) is { } reason)
        {
            throw new CredentialRefusedException(provider, reason, e);
        }
    }
}
