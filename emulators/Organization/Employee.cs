namespace RulesSync.Emulators.Organization;

/// <summary>Where an employee's mailbox lives, and so which emulator serves it.</summary>
public enum CalendarProvider
{
    /// <summary>Exchange Online, served by the Graph emulator.</summary>
    Exchange,

    /// <summary>Google Workspace, served by the Google Calendar emulator.</summary>
    Google,
}

/// <summary>An employee of the emulated organisation: one mailbox, on one provider.</summary>
public sealed record Employee(string Email, string DisplayName, CalendarProvider Provider);

/// <summary>The organisation the emulators start with.</summary>
public sealed record OrganizationSeed(IReadOnlyList<Employee> Employees)
{
    /// <summary>Two employees on Exchange, two on Google, one domain.</summary>
    public static OrganizationSeed Default { get; } = new(
    [
        new Employee("alice@contoso.example", "Alice Adams", CalendarProvider.Exchange),
        new Employee("bob@contoso.example", "Bob Brown", CalendarProvider.Exchange),
        new Employee("carol@contoso.example", "Carol Clark", CalendarProvider.Google),
        new Employee("dave@contoso.example", "Dave Davis", CalendarProvider.Google),
    ]);

    /// <summary>
    /// A larger organisation for benchmarks and the demo: <c>ex0001@domain</c>... on Exchange,
    /// then <c>gw0001@domain</c>... on Google.
    /// </summary>
    public static OrganizationSeed Generate(int onExchange, int onGoogle, string domain = "contoso.example")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(onExchange);
        ArgumentOutOfRangeException.ThrowIfNegative(onGoogle);
        static string Number(int i) => (i + 1).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
        return new OrganizationSeed(
        [
            .. Enumerable.Range(0, onExchange).Select(i => new Employee($"ex{Number(i)}@{domain}", $"Exchange User {Number(i)}", CalendarProvider.Exchange)),
            .. Enumerable.Range(0, onGoogle).Select(i => new Employee($"gw{Number(i)}@{domain}", $"Google User {Number(i)}", CalendarProvider.Google)),
        ]);
    }
}
