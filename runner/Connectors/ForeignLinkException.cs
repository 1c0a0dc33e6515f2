namespace RulesSync.Runner.Connectors;

/// <summary>
/// A service handed out a link (a next page, a delta link) that leaves the configured service root: another scheme,
/// host or port. It is not followed, so the credentials attached to requests never reach another host; the sync fails
/// with this message, which names the link's origin only (never its query, which may hold tokens).
/// </summary>
public sealed class ForeignLinkException : Exception
{
    /// <summary>Creates the exception for <paramref name="link"/> handed out by <paramref name="service"/> as <paramref name="what"/>.</summary>
    public ForeignLinkException(string service, string what, string link, Uri serviceRoot)
        : base($"{service} handed out {what} to {Origin(link)}, outside the configured service root {Origin(serviceRoot.AbsoluteUri)}: not followed (credentials are sent to the service root only)")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ForeignLinkException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ForeignLinkException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ForeignLinkException(string message, Exception inner)
        : base(message, inner)
    {
    }

    private static string Origin(string link) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "a link that is not an absolute URL";
}
