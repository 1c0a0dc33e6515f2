namespace RulesSync.Runner.Connectors;

/// <summary>
/// Who is an employee of the tenant. The connectors use the lower-cased email address as the engine's employee
/// id; an address in one of <see cref="Domains"/> is an employee, any other is external. Immutable.
/// </summary>
public sealed class EmployeeDirectory
{
    /// <summary>Creates a directory of the tenant's mail domains.</summary>
    public EmployeeDirectory(IEnumerable<string> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        Domains = domains.Select(d => d.Trim().TrimStart('@').ToLowerInvariant()).Where(d => d.Length > 0).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The tenant's mail domains, lower case.</summary>
    public IReadOnlySet<string> Domains { get; }

    /// <summary>The engine's id for an address: trimmed, lower case.</summary>
    public static string IdOf(string address) => (address ?? string.Empty).Trim().ToLowerInvariant();

    /// <summary>Whether <paramref name="address"/> belongs to the tenant.</summary>
    public bool IsEmployee(string address)
    {
        var at = address.LastIndexOf('@');
        return at >= 0 && Domains.Contains(IdOf(address[(at + 1)..]));
    }
}
